from django.apps import AppConfig


class ParkingConfig(AppConfig):
    name = "rathaus.parking"
    label = "parking"
