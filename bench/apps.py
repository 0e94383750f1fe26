from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "bench"
    label = "bench"

    def ready(self) -> None:
        from . import transport  # noqa: F401 - registers the bench_http transport
