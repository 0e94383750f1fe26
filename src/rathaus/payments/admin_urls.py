"""Mounted under ``/verwaltung/zahlungen/``: open invoices, booking a bank transfer."""

from django.urls import URLPattern, URLResolver, path

from . import admin_views

app_name = "payments_admin"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", admin_views.payment_list, name="list"),
    path("<uuid:public_id>/", admin_views.payment_detail, name="detail"),
    path("<uuid:public_id>/buchen/", admin_views.payment_book, name="book"),
]
