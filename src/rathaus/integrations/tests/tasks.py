"""A background task for the worker tests (django-tasks needs a module-level function)."""

from django_tasks import task


@task()
def add(a: int, b: int) -> int:
    return a + b
