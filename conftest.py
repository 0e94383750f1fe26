"""Shared test fixtures: two municipalities, their services and people."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import translation

from rathaus.accounts.models import StaffRole
from rathaus.testing.factories import (
    MunicipalityFactory,
    ProfileFactory,
    UserFactory,
    publish_service,
    staff_user,
)

SHARED_DIR = Path(__file__).resolve().parent.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path: Path) -> Iterator[None]:
    """Each test: its own media folder, an empty cache, plain HTTP, the default language (a
    request in English leaves English active in the thread, which would leak into the next
    test's code outside requests)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def musterstadt(db):
    return MunicipalityFactory(slug="musterstadt", name="Musterstadt", ags="05774099")


@pytest.fixture
def beispieldorf(db):
    return MunicipalityFactory(
        slug="beispieldorf", name="Beispieldorf", ags="05334099", primary_color="#2e7d32"
    )


@pytest.fixture
def dog_service(musterstadt):
    return publish_service(musterstadt, "hund-anmelden")


@pytest.fixture
def citizen(db):
    user = UserFactory(email="erika@example.org")
    ProfileFactory(user=user)
    return user


@pytest.fixture
def clerk(musterstadt):
    return staff_user(musterstadt, StaffRole.CLERK, email="clerk@musterstadt.example")


@pytest.fixture
def municipal_admin(musterstadt):
    return staff_user(musterstadt, StaffRole.ADMIN, email="admin@musterstadt.example")


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip(f"shared data folder not found at {SHARED_DIR}")
    return SHARED_DIR
