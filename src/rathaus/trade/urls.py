"""Mounted under ``/gewerbe/``: WZ search for the form, public basic information."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "trade"

urlpatterns: list[URLPattern | URLResolver] = [
    path("wz-suche/", views.wz_search, name="wz_search"),
]
