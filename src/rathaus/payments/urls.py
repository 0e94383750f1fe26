"""Mounted under ``/zahlung/``: choosing a provider, the return and notification endpoints."""

from django.urls import URLPattern, URLResolver

app_name = "payments"

urlpatterns: list[URLPattern | URLResolver] = []
