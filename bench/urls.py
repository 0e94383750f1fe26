"""URLs of the benchmark server: the project's URLs plus the bare ``/bench/hello`` view."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from rathaus.config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from rathaus.config.urls import urlpatterns as project_urlpatterns


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"hello", content_type="text/plain")


urlpatterns = [path("bench/hello", hello), *project_urlpatterns]
