"""Mounted under ``/api/v1/``."""

from django.urls import URLPattern, URLResolver, path, re_path

from . import views
from .framework import urlpatterns_for

app_name = "api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("openapi.json", views.openapi_json, name="openapi"),
    path("docs", views.reference_page, name="docs"),
    *urlpatterns_for(views.registered_endpoints()),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]
