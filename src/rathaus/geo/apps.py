from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "rathaus.geo"
    label = "geo"
