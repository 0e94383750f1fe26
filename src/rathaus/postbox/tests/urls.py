"""URL configuration for tests until the lead mounts the postbox in ``config/urls.py``."""

from django.urls import include, path

from rathaus.config.urls import urlpatterns as base_patterns

urlpatterns = [path("postfach/", include("rathaus.postbox.urls")), *base_patterns]
