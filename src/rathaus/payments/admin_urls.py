"""Mounted under ``/verwaltung/zahlungen/``: open invoices, booking a bank transfer."""

from django.urls import URLPattern, URLResolver

app_name = "payments_admin"

urlpatterns: list[URLPattern | URLResolver] = []
