"""Writes of the parking app: issuing, revoking and returning permits, renewals and vehicle
changes, visitor day passes, the register re-check and the expiry reminders.

Every function takes keyword arguments only and runs in one transaction; the permit, its
document, the postbox message, the e-mail and the domain event are committed together.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from rathaus.accounts.models import User
from rathaus.applications.models import Application
from rathaus.applications.services import application_save_step, application_start
from rathaus.catalog.models import Service
from rathaus.core.errors import ErrorCode, RathausError
from rathaus.core.models import Municipality
from rathaus.core.tenancy import portal_path, portal_url
from rathaus.integrations import domain_events
from rathaus.integrations.outbox import email_enqueue
from rathaus.postbox.models import PostboxMessage
from rathaus.postbox.services import postbox_deliver, postbox_waiting_message
from rathaus.records.models import Document
from rathaus.records.pdf import pdf_render

from . import tokens
from .facts import Facts, facts_from
from .fees import FeeError, permit_fee, vehicle_too_long
from .models import ParkingSettings, Permit, PermitStatus, VisitorPass
from .plates import plate_key
from .registry import Residence, registry
from .tasks import permit_document_task

if TYPE_CHECKING:
    from rathaus.cases.models import Case

logger = logging.getLogger(__name__)

SERVICE_KEY = "bewohnerparken"
EVENT_ISSUED = "parking.permit_issued"
EVENT_REVOKED = "parking.permit_revoked"
EVENT_VISITOR = "parking.visitor_pass_issued"


# --- settings and zones ------------------------------------------------------------------------


def parking_settings(municipality: Municipality | int) -> ParkingSettings:
    """The municipality's fee ordinance; an unsaved default when none was configured."""
    municipality_id = municipality if isinstance(municipality, int) else municipality.pk
    found = ParkingSettings.objects.filter(municipality_id=municipality_id).first()
    return found or ParkingSettings(municipality_id=municipality_id)


def zone_match(*, municipality: Municipality, facts: Facts) -> Any:
    """The geo lookup's ``ZoneMatch`` for the application's address, or None."""
    from rathaus.geo.lookup import zone_for_address

    address = facts.address
    if not address.street or not address.house_number:
        return None
    return zone_for_address(
        municipality=municipality,
        street=address.street,
        house_number=address.house_number,
        postcode=facts.postcode,
    )


def residence_qualifies(residence: Residence, zone: Any) -> bool:
    if residence.status == "main":
        return True
    return residence.status == "secondary" and bool(
        getattr(zone, "secondary_residence_allowed", False)
    )


def residence_lookup(*, municipality: Municipality, facts: Facts) -> Residence:
    return registry().lookup(municipality=municipality, person=facts.person, address=facts.address)


# --- the one-permit rule -----------------------------------------------------------------------


def permits_conflicting(
    *,
    municipality: Municipality | int,
    facts: Facts,
    start: date,
    end: date,
    holder: User | None = None,
) -> QuerySet[Permit]:
    """Valid permits for the same vehicle or the same resident overlapping ``start``–``end``
    (the permit named in ``facts.replaces`` excepted: a vehicle change replaces it)."""
    same = Q(plate_key=plate_key(facts.plate))
    if facts.person.birth_date and facts.person.last_name:
        same |= Q(holder_name__iexact=facts.holder_name, holder_birth_date=facts.person.birth_date)
    if holder is not None:
        same |= Q(holder=holder)
    found = Permit.objects.of(municipality).filter(
        same, status=PermitStatus.VALID, valid_from__lte=end, valid_to__gte=start
    )
    if facts.replaces:
        found = found.exclude(number=facts.replaces)
    return found


def conflict_message(permit: Permit, facts: Facts) -> str:
    why = (
        f"für das Kennzeichen {permit.plate}"
        if permit.plate_key == plate_key(facts.plate)
        else "für Sie"
    )
    return (
        f"Es gibt bereits einen gültigen Bewohnerparkausweis {why} (Nr. {permit.number}, gültig "
        f"bis {permit.valid_to:%d.%m.%Y}). Je Person und Fahrzeug gibt es nur einen Ausweis. "
        "Für ein anderes Fahrzeug wählen Sie unter „Meine Parkausweise“ „Fahrzeug wechseln“; "
        "eine Verlängerung beginnt am Tag nach dem Ablauf."
    )


# --- issuing -----------------------------------------------------------------------------------


def verify_url(*, municipality: Municipality, token: str) -> str:
    return portal_url(
        municipality=municipality,
        path=portal_path("parking:verify", token, default="/parkausweis/"),
    )


def qr_data_uri(url: str) -> str:
    import segno

    return str(segno.make_qr(url, error="m").svg_data_uri(scale=4, border=2))


def _number(municipality: Municipality, prefix: str) -> str:
    from rathaus.cases.services import reference_next

    return reference_next(
        municipality=municipality,
        scope=f"parking-{prefix}",
        prefix=prefix,
        pattern="{prefix}-{year}-{number:06d}",
    )


def permit_token(permit: Permit) -> str:
    return tokens.token_sign(
        municipality=permit.municipality,
        kind=tokens.PERMIT,
        number=permit.number,
        zone=permit.zone_code,
        plate=permit.plate,
        day=permit.valid_to,
    )


def permit_pdf(permit: Permit) -> bytes:
    settings_ = parking_settings(permit.municipality_id)
    token = permit_token(permit)
    url = verify_url(municipality=permit.municipality, token=token)
    return pdf_render(
        template_name="parking/pdf/permit.html",
        context={
            "permit": permit,
            "municipality": permit.municipality,
            "authority": settings_.authority,
            "qr": qr_data_uri(url),
            "verify_url": url,
        },
    )


def permit_issue_for_case(*, case: Case, today: date | None = None) -> Permit | None:
    """Issue the permit a granted resident-parking case grants (the plugin's ``on_decided``).

    Runs in the decision's transaction: the permit, the postbox message and the domain event
    commit with the decision, and so does the job that renders the PDF/A permit
    (``permit_document_issue``). Idempotent (one permit per case). A conflict
    found only now (another permit issued since the checks ran) stops a clerk's decision with an
    error; an automatic decision stays without permit and the case history says why.
    """
    from rathaus.cases import events
    from rathaus.cases.events import Kind

    existing = Permit.objects.of(case.municipality_id).filter(case=case).first()
    if existing is not None:
        return existing
    application = case.application
    if application is None:
        return None
    municipality = case.municipality
    facts = facts_from(application.data or {})
    start, end = facts.period(today)
    conflict = permits_conflicting(
        municipality=municipality, facts=facts, start=start, end=end, holder=case.applicant
    ).first()
    if conflict is not None:
        message = conflict_message(conflict, facts)
        if not case.decided_automatically:
            raise RathausError(ErrorCode.PARKING_PERMIT_CONFLICT, message)
        events.event_record(
            case=case,
            kind=Kind.NOTE,
            actor_label="Automatische Bearbeitung",
            channel="system",
            data={"text": f"Parkausweis nicht ausgestellt: {message}"},
        )
        return None
    match = None
    try:
        match = zone_match(municipality=municipality, facts=facts)
    except Exception:  # the geo lookup failing must not lose the decision
        logger.exception("zone lookup failed while issuing for case %s", case.pk)
    zone = getattr(match, "zone", None)
    permit = Permit(
        municipality=municipality,
        number=_number(municipality, "BP"),
        zone_code=getattr(zone, "code", "") or "–",
        zone_name=getattr(zone, "name", "") or "",
        plate=facts.plate,
        plate_key=plate_key(facts.plate),
        vehicle=facts.vehicle[:120],
        length_m=facts.length,
        width_m=facts.width,
        holder=case.applicant,
        holder_name=facts.holder_name or case.applicant_name,
        holder_birth_date=facts.person.birth_date,
        street=facts.street[:220],
        postcode=facts.postcode[:5],
        valid_from=start,
        valid_to=end,
        fee=application.fee_amount,
        case=case,
    )
    permit.zone = zone
    if facts.replaces:
        permit.replaces = (
            Permit.objects.of(municipality)
            .filter(number=facts.replaces, status=PermitStatus.VALID)
            .filter(Q(holder=case.applicant) if case.applicant_id else Q(pk__in=[]))
            .first()
        )
    permit.save()
    # The permit PDF is rendered by the worker (``parking.tasks.permit_document_task``), which
    # files it, attaches it to this message and then e-mails the holder.
    postbox_deliver(
        case=case,
        kind=PostboxMessage.Kind.NOTICE,
        subject="Ihr Bewohnerparkausweis",
        body=(
            f"Ihr Bewohnerparkausweis Nr. {permit.number} für {permit.plate} in der Zone "
            f"{permit.zone_code} gilt vom {permit.valid_from:%d.%m.%Y} bis "
            f"{permit.valid_to:%d.%m.%Y}. Drucken Sie ihn aus und legen Sie ihn gut lesbar "
            "hinter die Windschutzscheibe."
        ),
        dedupe_key=f"parking-permit-{permit.pk}",
        notify=False,
        document_job=(permit_document_task, (permit.pk,)),
    )
    if permit.replaces is not None:
        _set_status(
            permit=permit.replaces,
            status=PermitStatus.REVOKED,
            reason=f"Ersetzt durch Parkausweis {permit.number} (Fahrzeugwechsel).",
            actor=None,
        )
    domain_events.publish(
        municipality=municipality,
        type=EVENT_ISSUED,
        subject=permit.number,
        data=_event_data(permit),
        case=case,
    )
    return permit


def permit_document_issue(*, permit_id: int) -> Document | None:
    """Render the PDF/A permit, file it in the case, attach it to the holder's postbox message
    and e-mail the holder. The background job of every issued permit; idempotent."""
    from rathaus.cases.services import RenderedDocument, case_document_deliver

    permit = Permit.objects.select_related("municipality").filter(pk=permit_id).first()
    message = (
        postbox_waiting_message(
            case_id=permit.case_id, task=permit_document_task, args=(permit_id,)
        )
        if permit is not None and permit.case_id is not None
        else None
    )
    if permit is None or message is None:  # filed already (the job ran twice)
        return None

    def render(case: Case) -> RenderedDocument:
        return RenderedDocument(
            title=f"Bewohnerparkausweis {permit.number}",
            filename=f"Parkausweis-{permit.number}.pdf",
            content=permit_pdf(permit),
        )

    def link(case: Case, document: Document) -> None:
        Permit.objects.filter(pk=permit.pk).update(document=document)

    return case_document_deliver(
        message_id=message.pk,
        kind=Document.Kind.NOTICE,
        render=render,
        notify=True,
        on_filed=link,
    )


def _event_data(permit: Permit) -> dict[str, Any]:
    return {
        "number": permit.number,
        "zone": permit.zone_code,
        "plate": permit.plate,
        "valid_from": permit.valid_from.isoformat(),
        "valid_to": permit.valid_to.isoformat(),
        "status": permit.status,
    }


# --- revoking and returning --------------------------------------------------------------------


def _set_status(*, permit: Permit, status: str, reason: str, actor: User | None) -> Permit:
    locked = (
        Permit.objects.select_for_update(of=("self",))
        .select_related("case", "municipality")
        .get(pk=permit.pk)
    )
    if locked.status != PermitStatus.VALID:
        raise RathausError(
            ErrorCode.PARKING_PERMIT_NOT_VALID,
            f"Dieser Parkausweis ist nicht mehr gültig ({locked.get_status_display()}).",
        )
    locked.status = status
    locked.status_reason = reason
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_reason", "status_changed_at"])
    label = "zurückgegeben" if status == PermitStatus.RETURNED else "widerrufen"
    if locked.case is not None:
        postbox_deliver(
            case=locked.case,
            kind=PostboxMessage.Kind.STATUS,
            subject=f"Parkausweis {locked.number} {label}",
            body=f"Ihr Bewohnerparkausweis Nr. {locked.number} ({locked.plate}) ist ab sofort "
            f"nicht mehr gültig. Grund: {reason}",
            dedupe_key=f"parking-permit-{locked.pk}-{status}",
        )
    domain_events.publish(
        municipality=locked.municipality,
        type=EVENT_REVOKED,
        subject=locked.number,
        data={**_event_data(locked), "reason": reason, "by": actor.pk if actor else None},
        case=locked.case,
    )
    permit.status, permit.status_reason = locked.status, locked.status_reason
    permit.status_changed_at = locked.status_changed_at
    return permit


def permit_revoke(*, permit: Permit, reason: str, actor: User | None) -> Permit:
    """Revoke a valid permit (clerk, register change, vehicle change) with a reason the holder
    reads in the postbox; the verification page shows "widerrufen" from now on."""
    reason = (reason or "").strip()
    if not reason:
        raise RathausError(ErrorCode.INVALID_INPUT, "Bitte geben Sie einen Grund an.")
    with transaction.atomic():
        return _set_status(
            permit=permit, status=PermitStatus.REVOKED, reason=reason[:2000], actor=actor
        )


def permit_return(*, permit: Permit, holder: User) -> Permit:
    """The holder gives the permit back (no longer needed); it is invalid at once."""
    if permit.holder_id != holder.pk:
        raise RathausError(ErrorCode.NOT_FOUND, "Parkausweis nicht gefunden.")
    with transaction.atomic():
        return _set_status(
            permit=permit,
            status=PermitStatus.RETURNED,
            reason="Von der Inhaberin oder dem Inhaber zurückgegeben.",
            actor=holder,
        )


def permits_recheck_residence(
    *, municipality: Municipality, today: date | None = None
) -> list[Permit]:
    """Check every valid permit against the registration register again and revoke those whose
    holder no longer lives in the zone with a qualifying residence (moved away, main residence
    given up). Run after each register import and nightly (``rathaus parking_recheck``).
    Returns the revoked permits."""
    today = today or timezone.localdate()
    revoked: list[Permit] = []
    candidates = Permit.objects.of(municipality).filter(
        status=PermitStatus.VALID, valid_to__gte=today
    )
    for permit in candidates.select_related("municipality"):
        data = permit.case.application.data if permit.case and permit.case.application else {}
        facts = facts_from(data or {})
        if not facts.person.last_name:
            continue
        residence = residence_lookup(municipality=municipality, facts=facts)
        zone = _zone_of(permit)
        if residence_qualifies(residence, zone):
            continue
        revoked.append(
            permit_revoke(
                permit=permit,
                reason="Laut Melderegister wohnen Sie nicht mehr mit einer berechtigenden "
                "Wohnung im Bewohnerparkgebiet (Umzug oder Abmeldung).",
                actor=None,
            )
        )
    return revoked


def _zone_of(permit: Permit) -> Any:
    from rathaus.geo.models import Zone

    if permit.zone_id is not None:
        return permit.zone
    return Zone.objects.of(permit.municipality_id).filter(code=permit.zone_code).first()


def permits_expire(*, municipality: Municipality | None = None, today: date | None = None) -> int:
    """Store "abgelaufen" for valid permits past their end (display already shows it)."""
    today = today or timezone.localdate()
    found = Permit.objects.filter(status=PermitStatus.VALID, valid_to__lt=today)
    if municipality is not None:
        found = found.filter(municipality=municipality)
    return found.update(status=PermitStatus.EXPIRED, status_changed_at=timezone.now())


def permits_send_reminders(*, today: date | None = None) -> int:
    """E-mail holders whose permit ends within the reminder period (default four weeks).

    Idempotent: ``reminder_sent_at`` is set in the same transaction and the e-mail has a dedupe
    key; a permit already renewed (a later valid permit for the same vehicle) gets no reminder.
    """
    today = today or timezone.localdate()
    sent = 0
    settings_by_tenant: dict[int, ParkingSettings] = {}
    due = (
        Permit.objects.filter(
            status=PermitStatus.VALID,
            reminder_sent_at__isnull=True,
            valid_to__gte=today,
            valid_to__lte=today + timedelta(days=60),
        )
        .select_related("municipality", "holder", "case")
        .order_by("pk")
    )
    for permit in due:
        days = settings_by_tenant.setdefault(
            permit.municipality_id, parking_settings(permit.municipality_id)
        ).reminder_days
        if permit.valid_to > today + timedelta(days=days):
            continue
        renewed = (
            Permit.objects.of(permit.municipality_id)
            .filter(plate_key=permit.plate_key, valid_from__gt=permit.valid_to)
            .exclude(status=PermitStatus.REVOKED)
            .exists()
        )
        email = (permit.holder.email if permit.holder else "") or (
            permit.case.applicant_email if permit.case else ""
        )
        with transaction.atomic():
            claimed = Permit.objects.filter(pk=permit.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=timezone.now()
            )
            if not claimed or renewed or not email:
                continue
            link = portal_url(
                municipality=permit.municipality,
                path=portal_path("parking:renew", permit.number, default="/parkausweis/"),
            )
            email_enqueue(
                municipality=permit.municipality,
                to=email,
                subject=f"{permit.municipality.name}: Ihr Bewohnerparkausweis läuft ab",
                body=(
                    "Guten Tag,\n\n"
                    f"Ihr Bewohnerparkausweis Nr. {permit.number} für {permit.plate} gilt bis "
                    f"{permit.valid_to:%d.%m.%Y}. Mit einem Klick beantragen Sie die "
                    f"Verlängerung (Ihre Angaben sind schon eingetragen):\n{link}\n\n"
                    f"Mit freundlichen Grüßen\n{permit.municipality.name}\n"
                ),
                dedupe_key=f"parking-reminder-{permit.pk}",
            )
            sent += 1
    return sent


# --- renewal and vehicle change: a prefilled new application -----------------------------------


def _prefilled_application(
    *, permit: Permit, user: User, start: date, replaces: str, keep_vehicle: bool
) -> Application:
    if permit.holder_id != user.pk:
        raise RathausError(ErrorCode.NOT_FOUND, "Parkausweis nicht gefunden.")
    service = (
        Service.objects.of(permit.municipality_id)
        .filter(key=SERVICE_KEY, enabled=True)
        .select_related("current_version")
        .first()
    )
    if service is None:
        raise RathausError(
            ErrorCode.SERVICE_NOT_AVAILABLE, "Bewohnerparkausweise werden derzeit nicht angeboten."
        )
    old = (permit.case.application.data if permit.case and permit.case.application else {}) or {}
    application = application_start(service=service, applicant=user)
    if isinstance(old.get("person"), dict):
        application_save_step(
            application=application, step_key="person", values=old["person"], completed=False
        )
    if keep_vehicle and isinstance(old.get("fahrzeug"), dict):
        vehicle = {
            k: v for k, v in old["fahrzeug"].items() if k not in ("zb1", "nutzungserklaerung")
        }
        application_save_step(
            application=application, step_key="fahrzeug", values=vehicle, completed=False
        )
    months = (old.get("zeitraum") or {}).get("laufzeit") or "12"
    application_save_step(
        application=application,
        step_key="zeitraum",
        values={"laufzeit": months, "beginn": start.isoformat(), "ersetzt": replaces},
        completed=False,
    )
    # saved last, so that the application opens at its first step
    application_save_step(
        application=application,
        step_key="adresse",
        values=old.get("adresse") or {},
        completed=False,
    )
    return application


def renewal_start(*, permit: Permit, user: User) -> Application:
    """A new application with the old answers, starting the day after the old permit ends
    (today when it has already expired). The applicant only confirms and uploads the
    registration certificate again."""
    start = max(permit.valid_to + timedelta(days=1), timezone.localdate())
    return _prefilled_application(
        permit=permit, user=user, start=start, replaces="", keep_vehicle=True
    )


def vehicle_change_start(*, permit: Permit, user: User) -> Application:
    """A new application for another vehicle that replaces this permit: once issued, the old
    permit is revoked."""
    if permit.effective_status() != PermitStatus.VALID:
        raise RathausError(
            ErrorCode.PARKING_PERMIT_NOT_VALID, "Nur ein gültiger Parkausweis lässt sich ersetzen."
        )
    return _prefilled_application(
        permit=permit,
        user=user,
        start=timezone.localdate(),
        replaces=permit.number,
        keep_vehicle=False,
    )


# --- visitor day passes ------------------------------------------------------------------------


def visitor_quota(permit: Permit) -> int:
    zone = _zone_of(permit)
    return int(getattr(zone, "visitor_passes_per_year", 0) or 0)


def visitor_passes_used(permit: Permit, year: int) -> int:
    """Passes of the household (every permit at the holder's address) in a calendar year."""
    return (
        VisitorPass.objects.of(permit.municipality_id)
        .filter(
            permit__street__iexact=permit.street,
            permit__zone_code=permit.zone_code,
            day__year=year,
        )
        .exclude(status=VisitorPass.Status.CANCELLED)
        .count()
    )


def visitor_pass_buy(*, permit: Permit, holder: User, day: date, plate: str) -> VisitorPass:
    """Order a visitor day pass; returns it with a payment to pay (handler
    ``parking.visitor_pass``). Valid once the payment is booked."""
    from .plates import PlateError, plate_normalise

    if permit.holder_id != holder.pk:
        raise RathausError(ErrorCode.NOT_FOUND, "Parkausweis nicht gefunden.")
    try:
        normalised = plate_normalise(plate)
    except PlateError as exc:
        raise RathausError(ErrorCode.INVALID_INPUT, str(exc)) from exc
    today = timezone.localdate()
    if day < today or day > today + timedelta(days=90):
        raise RathausError(
            ErrorCode.INVALID_INPUT,
            "Bitte wählen Sie einen Tag von heute bis in 90 Tagen.",
        )
    if permit.effective_status() != PermitStatus.VALID or not (
        permit.valid_from <= day <= permit.valid_to
    ):
        raise RathausError(
            ErrorCode.PARKING_PERMIT_NOT_VALID,
            "Besuchertagesausweise gibt es nur für Tage, an denen Ihr Parkausweis gilt.",
        )
    settings_ = parking_settings(permit.municipality_id)
    with transaction.atomic():
        Permit.objects.select_for_update().filter(pk=permit.pk).first()
        quota = visitor_quota(permit)
        used = visitor_passes_used(permit, day.year)
        if used >= quota:
            raise RathausError(
                ErrorCode.PARKING_QUOTA_EXHAUSTED,
                f"Das Kontingent von {quota} Besuchertagesausweisen im Jahr {day.year} ist "
                "ausgeschöpft.",
            )
        visitor = VisitorPass.objects.create(
            municipality_id=permit.municipality_id,
            number=_number(permit.municipality, "BT"),
            permit=permit,
            day=day,
            plate=normalised,
            fee=settings_.visitor_pass_fee,
        )
        if settings_.visitor_pass_fee > 0:
            payment = _payment_for_visitor_pass(visitor, holder)
            visitor.payment_public_id = payment.public_id
            visitor.save(update_fields=["payment_public_id"])
        else:
            _visitor_pass_validate(visitor)
    return visitor


def _payment_for_visitor_pass(visitor: VisitorPass, holder: User) -> Any:
    from rathaus.payments.services import payment_create

    return payment_create(
        municipality=visitor.permit.municipality,
        amount=Decimal(visitor.fee),
        purpose=f"Besuchertagesausweis {visitor.number} ({visitor.day:%d.%m.%Y})",
        reference=visitor.number,
        handler="parking.visitor_pass",
        handler_ref=str(visitor.public_id),
        payer_email=holder.email,
    )


def visitor_pass_paid(*, payment: Any) -> None:
    """Payment handler ``parking.visitor_pass``: the pass becomes valid (called once, inside the
    booking transaction)."""
    visitor = (
        VisitorPass.objects.select_for_update(of=("self",))
        .select_related("permit", "municipality")
        .filter(public_id=payment.handler_ref)
        .first()
    )
    if visitor is None or visitor.status != VisitorPass.Status.PENDING:
        return
    _visitor_pass_validate(visitor)


def _visitor_pass_validate(visitor: VisitorPass) -> None:
    visitor.status = VisitorPass.Status.VALID
    visitor.save(update_fields=["status"])
    domain_events.publish(
        municipality=visitor.permit.municipality,
        type=EVENT_VISITOR,
        subject=visitor.number,
        data={
            "number": visitor.number,
            "permit": visitor.permit.number,
            "zone": visitor.permit.zone_code,
            "plate": visitor.plate,
            "day": visitor.day.isoformat(),
        },
        case=visitor.permit.case,
    )


def visitor_pass_token(visitor: VisitorPass) -> str:
    return tokens.token_sign(
        municipality=visitor.permit.municipality,
        kind=tokens.VISITOR,
        number=visitor.number,
        zone=visitor.permit.zone_code,
        plate=visitor.plate,
        day=visitor.day,
    )


def visitor_pass_pdf(visitor: VisitorPass) -> bytes:
    token = visitor_pass_token(visitor)
    url = verify_url(municipality=visitor.permit.municipality, token=token)
    return pdf_render(
        template_name="parking/pdf/visitor.html",
        context={
            "visitor": visitor,
            "permit": visitor.permit,
            "municipality": visitor.permit.municipality,
            "authority": parking_settings(visitor.municipality_id).authority,
            "qr": qr_data_uri(url),
            "verify_url": url,
        },
    )


# --- settings ----------------------------------------------------------------------------------


def parking_settings_save(
    *, municipality: Municipality, values: dict[str, Any], actor: User
) -> ParkingSettings:
    """Store the fee ordinance (from the admin form's cleaned data)."""
    with transaction.atomic():
        found, _created = ParkingSettings.objects.select_for_update().get_or_create(
            municipality=municipality
        )
        for key, value in values.items():
            setattr(found, key, value)
        found.full_clean()
        found.save()
    logger.info("parking settings of %s changed by user %s", municipality.slug, actor.pk)
    return found


def zone_counts(*, municipality: Municipality) -> dict[str, int]:
    """Valid permits per zone code (for the capacity overview)."""
    today = timezone.localdate()
    rows = (
        Permit.objects.of(municipality)
        .filter(status=PermitStatus.VALID, valid_to__gte=today)
        .values("zone_code")
        .annotate(n=Count("pk"))
    )
    return {row["zone_code"]: row["n"] for row in rows}


__all__ = [
    "FeeError",
    "parking_settings",
    "permit_fee",
    "permit_issue_for_case",
    "permit_return",
    "permit_revoke",
    "permits_conflicting",
    "permits_expire",
    "permits_recheck_residence",
    "permits_send_reminders",
    "renewal_start",
    "vehicle_change_start",
    "vehicle_too_long",
    "visitor_pass_buy",
    "visitor_pass_paid",
]
