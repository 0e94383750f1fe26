from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rathaus.accounts"
    label = "accounts"

    def ready(self) -> None:
        from . import signals

        signals.connect()
