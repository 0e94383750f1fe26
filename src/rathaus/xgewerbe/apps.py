from django.apps import AppConfig


class XGewerbeConfig(AppConfig):
    name = "rathaus.xgewerbe"
    label = "xgewerbe"
    verbose_name = "XGewerbeanzeige"

    def ready(self) -> None:
        from datetime import timedelta

        from rathaus.core.demo import register_seed
        from rathaus.core.periodic import register_periodic

        from . import transports  # noqa: F401 - registers the xgewerbe.* outbox transports
        from .seed import seed_recipients
        from .statistics import statistics_send_due

        register_seed(seed_recipients)
        # the monthly statistics batch goes out once the first working day has come
        register_periodic("xgewerbe.statistics", statistics_send_due, every=timedelta(hours=6))
