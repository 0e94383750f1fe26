from django.apps import AppConfig


class TradeConfig(AppConfig):
    name = "rathaus.trade"
    label = "trade"
    verbose_name = "Gewerbeamt"

    def ready(self) -> None:
        from rathaus.catalog import plugins
        from rathaus.core.demo import register_seed
        from rathaus.integrations import domain_events

        from . import seed
        from .plugin import plugin
        from .services import EVENT_RECEIVED, EVENT_REGISTER_CHANGED

        plugins.register(plugin)
        register_seed(seed.seed)
        domain_events.register_type(
            EVENT_RECEIVED, "Eine Gewerbeanzeige (An-, Um- oder Abmeldung) ist eingegangen."
        )
        domain_events.register_type(
            EVENT_REGISTER_CHANGED,
            "Das Gewerberegister hat sich geändert (Betrieb an-, um- oder abgemeldet).",
        )
