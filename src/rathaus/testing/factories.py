"""factory_boy factories for tests (and the benchmark's data generator)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import factory
from django.utils import timezone

from rathaus.accounts.models import Profile, StaffMembership, StaffRole, User
from rathaus.catalog.models import Service
from rathaus.core.models import Municipality

DEFINITIONS_DIR = Path(__file__).resolve().parent.parent / "catalog" / "definitions"
_ags = itertools.count(1)


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Teststadt {n}")
    slug = factory.Sequence(lambda n: f"teststadt-{n}")
    ags = factory.LazyFunction(lambda: f"05999{next(_ags):03d}")
    primary_color = "#004b87"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = "Erika"
    last_name = "Mustermann"
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    street = "Lindenallee 5"
    postcode = "33098"
    city = "Musterstadt"


def staff_user(municipality: Municipality, role: str = StaffRole.CLERK, **fields: Any) -> User:
    user: User = UserFactory.create(kind=User.Kind.STAFF, **fields)
    StaffMembership.objects.get_or_create(
        user=user, municipality=municipality, defaults={"role": role}
    )
    return user


def publish_service(
    municipality: Municipality, name: str = "hund-anmelden", enable: bool = True
) -> Service:
    """Publish a bundled definition file for a municipality and return the service."""
    from rathaus.catalog.services import service_definition_publish

    source = (DEFINITIONS_DIR / f"{name}.yaml").read_text()
    version = service_definition_publish(municipality=municipality, source=source, enable=enable)
    return version.service
