"""Mounted under ``/verwaltung/schnittstellen/``: API clients, credentials, webhook subscriptions
and their deliveries.
"""

from django.urls import URLPattern, URLResolver

app_name = "api_admin"

urlpatterns: list[URLPattern | URLResolver] = []
