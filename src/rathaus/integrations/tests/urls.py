"""The project's URLs plus the dead-letter page where the lead will mount it."""

from django.urls import include, path

from rathaus.config.urls import handler403, handler404
from rathaus.config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("verwaltung/zustellungen/", include("rathaus.integrations.urls")),
    *project_urlpatterns,
]

__all__ = ["handler403", "handler404", "urlpatterns"]
