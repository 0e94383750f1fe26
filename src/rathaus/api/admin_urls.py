"""Mounted under ``/verwaltung/schnittstellen/``: API clients, credentials, webhook subscriptions
and their deliveries.
"""

from django.urls import URLPattern, URLResolver, path

from . import admin_views

app_name = "api_admin"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", admin_views.clients, name="clients"),
    path("clients/<int:pk>/", admin_views.client_detail, name="client"),
    path("clients/<int:pk>/neue-zugangsdaten/", admin_views.client_rotate, name="rotate"),
    path("clients/<int:pk>/widerrufen/", admin_views.client_revoke, name="revoke"),
    path("webhooks/<int:pk>/", admin_views.subscription_detail, name="subscription"),
    path("zustellungen/<int:pk>/erneut/", admin_views.delivery_replay, name="replay"),
]
