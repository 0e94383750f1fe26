from datetime import timedelta

from django.apps import AppConfig


class PostboxConfig(AppConfig):
    name = "rathaus.postbox"
    label = "postbox"

    def ready(self) -> None:
        from rathaus.core.health import register_health_check
        from rathaus.core.periodic import register_periodic

        from .services import documents_health, postbox_documents_retry

        # Documents rendered in the background (receipt, notice, permit) whose job failed or
        # whose worker died: queued again (idempotent jobs, see postbox_documents_retry).
        register_periodic("postbox.documents", postbox_documents_retry, every=timedelta(minutes=10))
        register_health_check("documents", documents_health)
