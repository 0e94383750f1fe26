from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "rathaus.integrations"
    label = "integrations"

    def ready(self) -> None:
        from rathaus.core.health import register_health_check

        from . import transports  # noqa: F401 - registers the e-mail transport
        from .worker import worker_health

        register_health_check("worker", worker_health)
