from django.apps import AppConfig


class ParkingConfig(AppConfig):
    name = "rathaus.parking"
    label = "parking"
    verbose_name = "Bewohnerparken"

    def ready(self) -> None:
        from rathaus.catalog import plugins
        from rathaus.core.demo import register_seed
        from rathaus.integrations import domain_events

        from . import demo, services
        from .plugin import PLUGIN

        plugins.register(PLUGIN)
        domain_events.register_type(
            services.EVENT_ISSUED, "Ein Bewohnerparkausweis wurde ausgestellt."
        )
        domain_events.register_type(
            services.EVENT_REVOKED,
            "Ein Bewohnerparkausweis wurde widerrufen oder zurückgegeben.",
        )
        domain_events.register_type(
            services.EVENT_VISITOR, "Ein Besuchertagesausweis wurde ausgestellt."
        )
        try:
            from rathaus.payments.services import register_handler
        except ImportError:  # payments app without its services yet
            pass
        else:
            register_handler("parking.visitor_pass", services.visitor_pass_paid)
        register_seed(demo.seed)
