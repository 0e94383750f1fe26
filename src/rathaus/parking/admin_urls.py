"""Mounted under ``/verwaltung/parkausweise/``: permit register per zone, capacity, reviews."""

from django.urls import URLPattern, URLResolver

app_name = "parking_admin"

urlpatterns: list[URLPattern | URLResolver] = []
