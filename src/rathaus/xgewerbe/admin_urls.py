"""Mounted under ``/verwaltung/empfaenger/``: the recipient directory and the deliveries per
recipient.
"""

from django.urls import URLPattern, URLResolver

app_name = "xgewerbe_admin"

urlpatterns: list[URLPattern | URLResolver] = []
