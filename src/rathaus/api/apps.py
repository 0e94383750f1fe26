from datetime import timedelta

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "rathaus.api"
    label = "api"
    verbose_name = "Schnittstellen (API)"

    def ready(self) -> None:
        from rathaus.core.demo import register_seed
        from rathaus.core.periodic import register_periodic
        from rathaus.integrations import domain_events

        from . import webhooks
        from .housekeeping import api_housekeeping
        from .seed import seed_demo_clients

        webhooks.register_types()
        domain_events.domain_event.connect(
            webhooks.on_domain_event, dispatch_uid="rathaus.api.webhooks"
        )
        register_seed(seed_demo_clients)
        register_periodic("api.housekeeping", api_housekeeping, every=timedelta(hours=6))
