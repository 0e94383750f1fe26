"""Mounted under ``/gewerbe/``: WZ search for the form, public basic information."""

from django.urls import URLPattern, URLResolver

app_name = "trade"

urlpatterns: list[URLPattern | URLResolver] = []
