from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "rathaus.payments"
    label = "payments"

    def ready(self) -> None:
        from rathaus.core.demo import register_seed
        from rathaus.core.periodic import register_periodic

        from . import demo, handlers, tasks
        from .services import register_handler

        register_handler("cases.fee", handlers.case_fee_paid)
        register_seed(demo.seed_payment_settings)
        register_periodic(
            "payments.reconcile", tasks.reconcile_enqueue, every=tasks.RECONCILE_EVERY
        )
