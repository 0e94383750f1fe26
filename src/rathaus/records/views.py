"""Serving document versions. Only ever called from views that already checked access (back
office: staff who see the case; postbox: the applicant); there is no public URL for files."""

from __future__ import annotations

from django.http import FileResponse

from .models import DocumentVersion


def version_response(version: DocumentVersion) -> FileResponse:
    """The stored content as a download with its type and file name; never rendered inline by
    the browser as a page of this site."""
    response = FileResponse(
        version.content.open("rb"),
        as_attachment=True,
        filename=version.filename,
        content_type=version.content_type or "application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
