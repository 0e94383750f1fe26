from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "rathaus.geo"
    label = "geo"
    verbose_name = "Geodaten und Parkzonen"

    def ready(self) -> None:
        from rathaus.core.demo import register_seed

        from .demo import seed

        register_seed(seed)
