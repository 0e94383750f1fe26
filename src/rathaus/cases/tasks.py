"""Background jobs of the cases app (django-tasks, run by ``rathaus worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def case_receipt_task(case_id: int) -> int | None:
    """Render and file the receipt of a just-opened case; returns the document id."""
    from .services import case_receipt_issue

    receipt = case_receipt_issue(case_id=case_id)
    return receipt.pk if receipt is not None else None
