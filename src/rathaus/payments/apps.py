from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "rathaus.payments"
    label = "payments"

    def ready(self) -> None:
        from rathaus.core.demo import register_seed
        from rathaus.core.periodic import register_periodic
        from rathaus.integrations import domain_events

        from . import demo, handlers, services, tasks
        from .services import register_handler

        register_handler("cases.fee", handlers.case_fee_paid)
        domain_events.register_type(
            services.EVENT_PAID, "Eine Zahlung ist eingegangen und gebucht."
        )
        domain_events.register_type(
            services.EVENT_FAILED, "Eine Online-Zahlung ist fehlgeschlagen."
        )
        domain_events.register_type(
            services.EVENT_CANCELLED, "Eine Online-Zahlung wurde abgebrochen."
        )
        register_seed(demo.seed_payment_settings)
        register_periodic(
            "payments.reconcile", tasks.reconcile_enqueue, every=tasks.RECONCILE_EVERY
        )
