"""The access stamp's bookkeeping: every change to a staff membership or an OTP device bumps
``User.access_version`` of the user concerned (see ``accounts.access``).

An exception to the project's "no Django signals" rule, on purpose: this is not a side effect
but an invariant of the data, like a database trigger. Memberships and devices are changed by
code we do not own (django-otp saves its devices itself), by cascades (deleting a municipality
or a user) and by operators in a Django shell; an explicit call that one of those paths forgets
would leave a revoked membership usable. Signals catch every ``save()`` and ``delete()``
(``QuerySet.delete()`` sends ``post_delete`` per row too); the bulk writes that send none are
covered by ``StaffMembershipQuerySet``. Not covered: ``update()``/``bulk_create()`` on a
django-otp device queryset and raw SQL — bump the stamp yourself
(``User.objects.bump_access_version(ids)``) there.

Connected in ``AccountsConfig.ready``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.models import F
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest
from django_otp import device_classes
from django_otp.models import Device

from . import access
from .models import StaffMembership, User

#: Device fields whose change can change the facts.
_DEVICE_FIELDS = {"confirmed", "user", "user_id"}


def _forget_cached_user(instance: Any) -> None:
    """The user object cached on the changed row may carry this request's facts: drop them."""
    user_field = type(instance)._meta.get_field("user")
    access.forget(user_field.get_cached_value(instance, None))


def membership_pre_save(sender: type, instance: StaffMembership, **kwargs: Any) -> None:
    if instance._state.adding or instance.pk is None:
        return
    # Moved to another user? Then the previous owner's facts change too. One UPDATE that finds
    # the previous owner itself (no read-modify-write), a no-op when the owner stays.
    User.objects.filter(memberships__pk=instance.pk).exclude(pk=instance.user_id).update(
        access_version=F("access_version") + 1
    )


def membership_changed(sender: type, instance: StaffMembership, **kwargs: Any) -> None:
    User.objects.bump_access_version([instance.user_id])
    _forget_cached_user(instance)


def device_saved(
    sender: type,
    instance: Device,
    created: bool,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    if created and not instance.confirmed:
        return  # a new unconfirmed device (enrolment under way) changes nothing
    if update_fields is not None and not _DEVICE_FIELDS & set(update_fields):
        return  # e.g. django-otp's own throttling or last-used saves
    User.objects.bump_access_version([instance.user_id])
    _forget_cached_user(instance)


def device_deleted(sender: type, instance: Device, **kwargs: Any) -> None:
    User.objects.bump_access_version([instance.user_id])
    _forget_cached_user(instance)


def logged_in(sender: type, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """A login starts from fresh facts (``login()`` keeps the session data when the same user —
    or an anonymous session — logs in)."""
    if request is not None and hasattr(request, "session"):
        access.forget_session(request)
    access.forget(user)


def connect() -> None:
    uid = "rathaus.accounts.access"
    pre_save.connect(membership_pre_save, sender=StaffMembership, dispatch_uid=f"{uid}.m_pre")
    post_save.connect(membership_changed, sender=StaffMembership, dispatch_uid=f"{uid}.m_save")
    post_delete.connect(membership_changed, sender=StaffMembership, dispatch_uid=f"{uid}.m_del")
    for model in device_classes():
        label = model._meta.label_lower
        post_save.connect(device_saved, sender=model, dispatch_uid=f"{uid}.{label}.save")
        post_delete.connect(device_deleted, sender=model, dispatch_uid=f"{uid}.{label}.del")
    user_logged_in.connect(logged_in, dispatch_uid=f"{uid}.login")
