"""Writes to the electronic file. Documents are only ever added; a version is never changed."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max

from rathaus.accounts.models import User

from .models import CaseFile, Document, DocumentVersion

if TYPE_CHECKING:
    from rathaus.cases.models import Case


def file_open(*, case: Case, file_plan: str = "", retention_years: int = 10, archive: bool = False):
    """The file of a case, created on first use."""
    found, _ = CaseFile.objects.get_or_create(
        case=case,
        defaults={
            "municipality_id": case.municipality_id,
            "reference": case.reference,
            "file_plan": file_plan,
            "retention_years": retention_years,
            "archive": archive,
        },
    )
    return found


def file_create(
    *, case: Case, file_plan: str = "", retention_years: int = 10, archive: bool = False
) -> CaseFile:
    """The file of a case that has none yet (a case being opened): one INSERT."""
    return CaseFile.objects.create(
        case=case,
        municipality_id=case.municipality_id,
        reference=case.reference,
        file_plan=file_plan,
        retention_years=retention_years,
        archive=archive,
    )


def _store(*, municipality_id: int, sha256: str, filename: str, content: bytes) -> str:
    """Store content under a name derived from its hash; identical content is stored once."""
    suffix = ""
    if "." in filename:
        suffix = "." + filename.rsplit(".", 1)[1].lower()[:10]
    name = f"documents/{municipality_id}/{sha256[:2]}/{sha256}{suffix}"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(content))
    return name


def document_add(
    *,
    file: CaseFile,
    title: str,
    kind: str,
    origin: str,
    content: bytes,
    content_type: str,
    filename: str,
    actor: User | None = None,
    visible_to_applicant: bool = True,
) -> Document:
    """Add a document with its first version to a file."""
    sha256 = hashlib.sha256(content).hexdigest()
    name = _store(
        municipality_id=file.municipality_id, sha256=sha256, filename=filename, content=content
    )
    with transaction.atomic(savepoint=False):
        document = Document.objects.create(
            municipality_id=file.municipality_id,
            file=file,
            title=title[:300],
            kind=kind,
            origin=origin,
            visible_to_applicant=visible_to_applicant,
            created_by=actor,
        )
        # a new document: its first version needs neither the row lock nor the MAX(number)
        _version_create(document, 1, name, sha256, content, content_type, filename, actor)
    return document


def _version_create(
    document: Document,
    number: int,
    name: str,
    sha256: str,
    content: bytes,
    content_type: str,
    filename: str,
    actor: User | None,
) -> DocumentVersion:
    return DocumentVersion.objects.create(
        municipality_id=document.municipality_id,
        document=document,
        number=number,
        content=name,
        sha256=sha256,
        content_type=content_type[:100],
        size=len(content),
        filename=filename[:255],
        created_by=actor,
    )


def document_version_add(
    *,
    document: Document,
    content: bytes,
    content_type: str,
    filename: str,
    actor: User | None = None,
) -> DocumentVersion:
    """Add a new version; earlier versions stay as they are."""
    sha256 = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        Document.objects.select_for_update().filter(pk=document.pk).first()
        last = document.versions.aggregate(n=Max("number"))["n"] or 0
        name = _store(
            municipality_id=document.municipality_id,
            sha256=sha256,
            filename=filename,
            content=content,
        )
        return _version_create(
            document, last + 1, name, sha256, content, content_type, filename, actor
        )
