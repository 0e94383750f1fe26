from datetime import timedelta

from django.apps import AppConfig


class ParkingConfig(AppConfig):
    name = "rathaus.parking"
    label = "parking"
    verbose_name = "Bewohnerparken"

    def ready(self) -> None:
        from rathaus.catalog import plugins
        from rathaus.core.demo import register_seed
        from rathaus.core.periodic import register_periodic
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
        register_periodic("parking.reminders", _daily_housekeeping, every=timedelta(hours=12))
        register_periodic("parking.recheck", _recheck_all, every=timedelta(hours=24))


def _daily_housekeeping() -> None:
    from .services import permits_expire, permits_send_reminders

    permits_expire()
    permits_send_reminders()


def _recheck_all() -> None:
    from rathaus.core.models import Municipality

    from .services import permits_recheck_residence

    for municipality in Municipality.objects.filter(is_active=True):
        permits_recheck_residence(municipality=municipality)
