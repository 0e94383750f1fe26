"""Mounted under ``/parkzonen/``: the public zone map and address search."""

from django.urls import URLPattern, URLResolver

app_name = "geo"

urlpatterns: list[URLPattern | URLResolver] = []
