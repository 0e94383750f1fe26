"""Background jobs of the cases app (django-tasks, run by ``rathaus worker``).

The PDFs a case gets without anybody waiting for them — the receipt of a submission, the notice
of a decision — are rendered here, not in the request: WeasyPrint takes a good part of a second
and 50–70 MB of memory, and the web workers need neither.
"""

from __future__ import annotations

from django_tasks import task


@task()
def case_receipt_task(case_id: int) -> int | None:
    """Render and file the receipt of a just-opened case; returns the document id."""
    from .services import case_receipt_issue

    receipt = case_receipt_issue(case_id=case_id)
    return receipt.pk if receipt is not None else None


@task()
def case_notice_task(case_id: int, decision_seq: int) -> int | None:
    """Render and file the notice of a decision (history event ``decision_seq``), attach it to
    the postbox message that waits for it and e-mail the applicant; returns the document id."""
    from .services import case_notice_issue

    notice = case_notice_issue(case_id=case_id, decision_seq=decision_seq)
    return notice.pk if notice is not None else None
