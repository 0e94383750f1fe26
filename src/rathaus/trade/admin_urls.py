"""Mounted under ``/verwaltung/gewerbe/``: trade register, extracts, statistics."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "trade_admin"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.register_list, name="register"),
    path("statistik/", views.register_statistics, name="statistics"),
    path("<uuid:public_id>/", views.register_detail, name="business"),
    path("<uuid:public_id>/auszug.pdf", views.register_extract, name="extract"),
]
