from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "rathaus.payments"
    label = "payments"
