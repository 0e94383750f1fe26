from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "rathaus.records"
    label = "records"
