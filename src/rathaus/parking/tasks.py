"""Background jobs of resident parking (django-tasks, run by ``rathaus worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def permit_document_task(permit_id: int) -> int | None:
    """Render and file the PDF/A permit, attach it to the holder's postbox message and e-mail
    the holder; returns the document id."""
    from .services import permit_document_issue

    document = permit_document_issue(permit_id=permit_id)
    return document.pk if document is not None else None
