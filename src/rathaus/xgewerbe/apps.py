from django.apps import AppConfig


class XGewerbeConfig(AppConfig):
    name = "rathaus.xgewerbe"
    label = "xgewerbe"
    verbose_name = "XGewerbeanzeige"

    def ready(self) -> None:
        from rathaus.core.demo import register_seed

        from . import transports  # noqa: F401 - registers the xgewerbe.* outbox transports
        from .seed import seed_recipients

        register_seed(seed_recipients)
