from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "rathaus.payments"
    label = "payments"

    def ready(self) -> None:
        from rathaus.core.demo import register_seed

        from . import demo, handlers
        from .services import register_handler

        register_handler("cases.fee", handlers.case_fee_paid)
        register_seed(demo.seed_payment_settings)
