"""Mounted under ``/verwaltung/zonen/``: importing zones, street lists and the address register."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "geo_admin"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.zone_list, name="list"),
    path("<int:pk>/", views.zone_edit, name="edit"),
    path("import/geojson/", views.import_zones, name="import_zones"),
    path("import/strassen/", views.import_street_list, name="import_streets"),
    path("import/adressen/", views.import_addresses, name="import_addresses"),
]
