from django.apps import AppConfig


class XGewerbeConfig(AppConfig):
    name = "rathaus.xgewerbe"
    label = "xgewerbe"
