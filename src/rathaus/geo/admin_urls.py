"""Mounted under ``/verwaltung/zonen/``: importing zones, street lists and the address register."""

from django.urls import URLPattern, URLResolver

app_name = "geo_admin"

urlpatterns: list[URLPattern | URLResolver] = []
