from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "rathaus.integrations"
    label = "integrations"
