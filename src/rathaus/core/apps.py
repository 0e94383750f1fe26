from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rathaus.core"
    label = "core"
    verbose_name = "Rathaus core"
