"""The ``parking`` service plugin: what ``definitions/bewohnerparken.yaml`` calls.

- step validators (run when a step is saved, again at submission): ``address_in_zone`` (the
  applicant learns at once when the address is in no zone), ``vehicle`` (plate format, maximum
  length), ``period`` (allowed periods, one valid permit per person and vehicle);
- checks (run at submission; a failed one sends the case to a clerk with its message):
  ``zone``, ``residence`` (registration register), ``no_duplicate``, ``capacity``;
- fee ``fee`` (the municipality's fee ordinance);
- ``on_decided``: a granted case issues the permit.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import timezone

from rathaus.catalog.plugins import CheckResult, ServicePlugin

from . import services
from .facts import facts_from
from .fees import FeeError, allowed_periods, format_metres, permit_fee, vehicle_too_long
from .models import ResidenceStatus


def _answers(answers: Mapping[str, Any], step: str, values: Mapping[str, Any]) -> dict[str, Any]:
    return {**dict(answers or {}), step: dict(values)}


# --- step validators ---------------------------------------------------------------------------


def address_in_zone(
    *, step: str, values: Mapping[str, Any], answers: Mapping[str, Any], municipality: Any, **_: Any
) -> dict[str, str]:
    facts = facts_from(_answers(answers, step, values))
    if not facts.address.house_number:
        return {"anschrift": "Bitte geben Sie Straße und Hausnummer an, z. B. „Lindenallee 5“."}
    if municipality is None:
        return {}
    match = services.zone_match(municipality=municipality, facts=facts)
    if match is None:
        return {
            "anschrift": (
                f"Die Anschrift „{facts.street}“ liegt in keinem Bewohnerparkgebiet von "
                f"{municipality.name}. Ein Bewohnerparkausweis ist dort nicht möglich. Die "
                "Parkzonen zeigt die Karte „Parkzonen“."
            )
        }
    return {}


def vehicle(
    *, step: str, values: Mapping[str, Any], answers: Mapping[str, Any], municipality: Any, **_: Any
) -> dict[str, str]:
    facts = facts_from(_answers(answers, step, values))
    problems: dict[str, str] = {}
    if not facts.plate_valid:
        from .plates import PlateError, plate_normalise

        try:
            plate_normalise(str(values.get("kennzeichen") or ""))
        except PlateError as exc:
            problems["kennzeichen"] = str(exc)
    if municipality is not None:
        settings_ = services.parking_settings(municipality)
        if vehicle_too_long(settings_, facts.length):
            problems["laenge"] = (
                f"Für Fahrzeuge über {format_metres(settings_.max_length_m)} m Länge stellt "
                f"{municipality.name} keinen Bewohnerparkausweis aus."
            )
    return problems


def period(
    *, step: str, values: Mapping[str, Any], answers: Mapping[str, Any], municipality: Any, **_: Any
) -> dict[str, str]:
    facts = facts_from(_answers(answers, step, values))
    if municipality is None:
        return {}
    settings_ = services.parking_settings(municipality)
    allowed = allowed_periods(settings_)
    if facts.months not in allowed:
        return {
            "laufzeit": "Die Gebührenordnung erlaubt nur diese Laufzeiten: "
            + ", ".join(f"{m} Monate" for m in allowed)
            + "."
        }
    if facts.replaces:
        from .models import Permit, PermitStatus

        old = (
            Permit.objects.of(municipality)
            .filter(number=facts.replaces, status=PermitStatus.VALID)
            .first()
        )
        if old is None or (
            old.holder_birth_date != facts.person.birth_date
            or old.holder_name.casefold() != facts.holder_name.casefold()
        ):
            return {"ersetzt": "Zu dieser Nummer gibt es keinen gültigen Parkausweis von Ihnen."}
    start, end = facts.period()
    conflict = services.permits_conflicting(
        municipality=municipality, facts=facts, start=start, end=end
    ).first()
    if conflict is not None:
        return {"": services.conflict_message(conflict, facts)}
    return {}


# --- checks ------------------------------------------------------------------------------------


def check_zone(*, data: Mapping[str, Any], municipality: Any, **_: Any) -> CheckResult:
    facts = facts_from(dict(data))
    match = services.zone_match(municipality=municipality, facts=facts)
    if match is None:
        return CheckResult(False, "Die Anschrift liegt in keinem Bewohnerparkgebiet.")
    zone = match.zone
    if not getattr(zone, "active", True):
        return CheckResult(False, f"Die Zone {zone.code} ist nicht aktiv.")
    return CheckResult(True, f"Zone {zone.code} {zone.name}")


def check_residence(*, data: Mapping[str, Any], municipality: Any, **_: Any) -> CheckResult:
    facts = facts_from(dict(data))
    residence = services.residence_lookup(municipality=municipality, facts=facts)
    match = services.zone_match(municipality=municipality, facts=facts)
    zone = getattr(match, "zone", None)
    if services.residence_qualifies(residence, zone):
        return CheckResult(True)
    if residence.status == ResidenceStatus.SECONDARY:
        return CheckResult(
            False,
            "Laut Melderegister ist die Anschrift nur Nebenwohnung; in dieser Zone berechtigt "
            "nur die Hauptwohnung.",
        )
    return CheckResult(
        False,
        "Im Melderegister ist keine Meldung der Person unter dieser Anschrift zu finden "
        "(Name, Geburtsdatum und Anschrift prüfen).",
    )


def check_no_duplicate(*, data: Mapping[str, Any], municipality: Any, **_: Any) -> CheckResult:
    facts = facts_from(dict(data))
    start, end = facts.period()
    conflict = services.permits_conflicting(
        municipality=municipality, facts=facts, start=start, end=end
    ).first()
    if conflict is not None:
        return CheckResult(False, services.conflict_message(conflict, facts))
    return CheckResult(True)


def check_capacity(*, data: Mapping[str, Any], municipality: Any, **_: Any) -> CheckResult:
    facts = facts_from(dict(data))
    match = services.zone_match(municipality=municipality, facts=facts)
    zone = getattr(match, "zone", None)
    capacity = getattr(zone, "capacity", None)
    if zone is None or capacity is None:
        return CheckResult(True)
    issued = services.zone_counts(municipality=municipality).get(zone.code, 0)
    if issued >= capacity:
        return CheckResult(
            False,
            f"Das Kontingent der Zone {zone.code} ({capacity} Ausweise) ist ausgeschöpft; "
            "die Straßenverkehrsbehörde entscheidet im Einzelfall.",
        )
    return CheckResult(True)


# --- fee and decision --------------------------------------------------------------------------


def fee(*, data: Mapping[str, Any], municipality: Any, **_: Any) -> Decimal:
    """The fee for the summary and the case; 0 while the vehicle step is not answered or the
    vehicle cannot get a permit (the step validator has told the applicant why)."""
    facts = facts_from(dict(data))
    if municipality is None:
        return Decimal("0")
    try:
        return permit_fee(
            services.parking_settings(municipality),
            months=facts.months or 12,
            length=facts.length,
            width=facts.width,
        )
    except FeeError:
        return Decimal("0")


def step_notes(*, step: str, answers: Mapping[str, Any], municipality: Any, **_: Any) -> list[str]:
    """After the address step, say which resident-parking area the address lies in."""
    if step == "adresse" or municipality is None or "adresse" not in (answers or {}):
        return []
    match = services.zone_match(municipality=municipality, facts=facts_from(dict(answers)))
    if match is None:
        return []
    zone = match.zone
    return [
        f"Ihre Anschrift liegt im Bewohnerparkgebiet „{zone.name}“ (Zone {zone.code}). "
        "Der Parkausweis gilt in diesem Gebiet."
    ]


def on_decided(*, case: Any, outcome: str, notice: Any, **_: Any) -> None:
    from rathaus.cases.models import Outcome

    if outcome in (Outcome.GRANTED, Outcome.PARTLY_GRANTED):
        services.permit_issue_for_case(case=case, today=timezone.localdate())


PLUGIN = ServicePlugin(
    name="parking",
    checks={
        "zone": check_zone,
        "residence": check_residence,
        "no_duplicate": check_no_duplicate,
        "capacity": check_capacity,
    },
    fees={"fee": fee},
    step_validators={
        "address_in_zone": address_in_zone,
        "vehicle": vehicle,
        "period": period,
    },
    on_decided=on_decided,
    step_notes=step_notes,
)
