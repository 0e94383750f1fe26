"""The REST API ``/api/v1`` for specialist systems: clients and credentials, OpenAPI, webhooks,
intake.
"""
