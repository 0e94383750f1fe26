"""Mounted under ``/parkzonen/``: the public zone map and address search."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "geo"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.zone_map, name="map"),
    path("zonen.geojson", views.zones_geojson, name="geojson"),
]
