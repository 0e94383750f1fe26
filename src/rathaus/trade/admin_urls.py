"""Mounted under ``/verwaltung/gewerbe/``: trade register, extracts, statistics."""

from django.urls import URLPattern, URLResolver

app_name = "trade_admin"

urlpatterns: list[URLPattern | URLResolver] = []
