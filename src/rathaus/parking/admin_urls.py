"""Mounted under ``/verwaltung/parkausweise/``: permit register per zone, capacity, reviews."""

from django.urls import URLPattern, URLResolver, path

from . import admin_views

app_name = "parking_admin"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", admin_views.register, name="register"),
    path("ausweis/<int:pk>/", admin_views.permit_detail, name="permit"),
    path("pruefungen/", admin_views.reviews, name="reviews"),
    path("einstellungen/", admin_views.fee_settings, name="settings"),
    path("melderegister/", admin_views.residents_upload, name="residents"),
]
