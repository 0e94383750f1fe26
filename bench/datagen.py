"""Benchmark data: reproducible (seeded) volumes, bulk inserted, reused between runs.

    python -m bench.datagen --cases 1000000 --citizens 100000 --seed 7

Builds on the demo data (Musterstadt, Beispieldorf and Essen with their staff and the dog
service) and adds, in Musterstadt (70 %) and Beispieldorf (30 %): citizens, four further services
(variants of the dog service), cases spread over services and states with a valid hash-chained
history, a case file, the receipt as document metadata (all versions point to one stored PDF), and
for every fourth case the application with its answers. Addresses and parking zones are generated
when ``rathaus.geo.models`` has them (the geo branch).

A marker row (generator version, seed and sizes) in ``bench_marker`` makes a second run with the
same parameters a no-op; other parameters add what is missing on top (cases are never deleted).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

GENERATOR_VERSION = "1"
BATCH = 5000
SERVICE_VARIANTS = ["hund-anmelden", "bench-leistung-a", "bench-leistung-b", "bench-leistung-c"]
SERVICE_VARIANTS.append("bench-leistung-d")
MUNICIPALITY_SHARE = [("musterstadt", 0.7), ("beispieldorf", 0.3)]
# state, share, events after "opened" + "document_added"
STATES = [
    ("closed", 0.50, ["started", "decided", "closed"]),
    ("decided", 0.20, ["started", "decided"]),
    ("in_progress", 0.12, ["started"]),
    ("received", 0.10, []),
    ("question", 0.05, ["started", "question_asked"]),
    ("withdrawn", 0.03, ["withdrawn"]),
]
FIRST = [
    "Erika",
    "Max",
    "Anna",
    "Paul",
    "Marie",
    "Leon",
    "Sophie",
    "Felix",
    "Emma",
    "Jonas",
    "Mia",
    "Lukas",
    "Hannah",
    "Ben",
    "Lea",
    "Elias",
    "Lina",
    "Noah",
    "Clara",
    "Finn",
    "Ida",
    "Emil",
    "Lena",
    "Anton",
    "Ayse",
    "Mehmet",
    "Olga",
    "Piotr",
    "Fatma",
    "Luca",
    "Zeynep",
    "Karl",
]
LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Yılmaz",
    "Kaya",
    "Nowak",
    "Kowalski",
    "Demir",
    "Öztürk",
]
STREETS = [
    "Lindenallee",
    "Hauptstraße",
    "Bahnhofstraße",
    "Gartenweg",
    "Schulstraße",
    "Kirchplatz",
    "Am",
    "Markt",
    "Mühlenweg",
    "Rosenstraße",
    "Bergstraße",
    "Waldweg",
    "Friedhofstraße",
    "Kastanienallee",
    "Ringstraße",
]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def marker_get(key: str) -> str | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_marker (key varchar(100) PRIMARY KEY, value text)"
        )
        cursor.execute("SELECT value FROM bench_marker WHERE key = %s", [key])
        row = cursor.fetchone()
    return row[0] if row else None


def marker_set(key: str, value: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_marker WHERE key = %s", [key])
        cursor.execute("INSERT INTO bench_marker (key, value) VALUES (%s, %s)", [key, value])


def _next_id(model: Any) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    """Plain multi-row INSERT (``executemany``): several times faster than ``bulk_create`` for
    millions of rows. Columns missing in a row get the field's default."""
    from django.db import connection

    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields]
    names = [f.attname for f in fields]
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in rows[0]}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    params = [
        tuple(
            f.get_db_prep_save(row[name] if name in row else defaults[name], connection)
            for f, name in zip(fields, names, strict=True)
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH):
            cursor.executemany(sql, params[start : start + BATCH])


def _reset_sequences(models: list[Any]) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def base_data(log: Any) -> dict[str, Any]:
    """Demo municipalities, staff and services (idempotent) plus the service variants."""
    from rathaus.cases.models import Team
    from rathaus.catalog.models import Service
    from rathaus.catalog.services import service_definition_publish
    from rathaus.core.demo import DEFINITIONS_DIR, load_demo
    from rathaus.core.models import Municipality

    load_demo()
    source = (DEFINITIONS_DIR / "hund-anmelden.yaml").read_text()
    result: dict[str, Any] = {}
    for slug, _share in MUNICIPALITY_SHARE:
        municipality = Municipality.objects.get(slug=slug)
        services = []
        for key in SERVICE_VARIANTS:
            if key != "hund-anmelden":
                variant = source.replace("key: hund-anmelden", f"key: {key}", 1).replace(
                    "de: Hund anmelden (Hundesteuer)",
                    f"de: Benchmark-Leistung {key[-1].upper()}",
                    1,
                )
                service_definition_publish(
                    municipality=municipality, source=variant, note="Benchmark", enable=True
                )
            service = (
                Service.objects.of(municipality).select_related("current_version").get(key=key)
            )
            services.append(service)
        team = Team.objects.of(municipality).get(key="steueramt")
        team.services.add(*services)
        result[slug] = {"municipality": municipality, "services": services}
    log("Basisdaten: Demo-Kommunen, Personal, 5 Leistungen je Kommune")
    return result


def citizens(*, count: int, rng: random.Random, log: Any) -> list[int]:
    """``count`` citizen accounts ``buerger<n>@bench.example`` (no usable password)."""
    from django.db import transaction

    from rathaus.accounts.models import User

    existing = User.objects.filter(email__endswith="@bench.example").count()
    now = datetime.now(UTC)
    start = _next_id(User)
    for offset in range(existing, count, BATCH):
        rows = [
            dict(
                id=start + n - existing,
                email=f"buerger{n}@bench.example",
                password="!bench",  # noqa: S106 - unusable: these accounts cannot log in
                kind=User.Kind.CITIZEN,
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                email_verified_at=now,
                date_joined=now,
            )
            for n in range(offset, min(offset + BATCH, count))
        ]
        with transaction.atomic():
            _insert(User, rows)
    if count > existing:
        _reset_sequences([User])
    log(f"Bürgerkonten: {count} (neu: {max(0, count - existing)})")
    return list(
        User.objects.filter(email__endswith="@bench.example").values_list("pk", flat=True)[:count]
    )


def _receipt_pdf() -> tuple[str, str, int]:
    """One small stored PDF that every generated receipt version points to."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    content = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    sha = hashlib.sha256(content).hexdigest()
    name = f"documents/bench/{sha}.pdf"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(content))
    return name, sha, len(content)


def _answers(rng: random.Random, first: str, last: str) -> dict[str, Any]:
    return {
        "halter": {
            "vorname": first,
            "nachname": last,
            "geburtsdatum": f"{rng.randint(1940, 2004)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            "anschrift": {
                "street": f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
                "postcode": "33098",
                "city": "Musterstadt",
            },
            "email": f"{first.lower()}.{rng.randint(1, 99999)}@example.org",
            "telefon": "",
        },
        "hund": {
            "name": rng.choice(["Bello", "Luna", "Rex", "Balu", "Emma", "Sammy"]),
            "rasse": "mischling",
            "geburtsdatum": f"20{rng.randint(10, 24)}-05-01",
            "chipnummer": f"276{rng.randint(10**11, 10**12 - 1)}",
            "haltung_seit": "2025-01-01",
            "weitere_hunde": 0,
        },
        "zahlung": {"lastschrift": False},
    }


def cases(
    *,
    total: int,
    rng: random.Random,
    base: dict[str, Any],
    citizen_ids: list[int],
    staff_ids: dict[str, list[int]],
    application_every: int,
    log: Any,
) -> None:
    from django.db import transaction

    from rathaus.applications.models import Application
    from rathaus.cases.events import canonical, event_hash
    from rathaus.cases.models import Case, CaseEvent
    from rathaus.records.models import CaseFile, Document, DocumentVersion

    existing = Case.objects.filter(reference__contains="-B").count()
    if existing >= total:
        log(f"Vorgänge: {existing} vorhanden")
        return
    pdf_name, pdf_sha, pdf_size = _receipt_pdf()
    ids = {m: _next_id(m) for m in (Case, CaseEvent, CaseFile, Document, DocumentVersion)}
    ids[Application] = _next_id(Application)
    slugs = [s for s, _ in MUNICIPALITY_SHARE]
    weights = [w for _, w in MUNICIPALITY_SHARE]
    state_weights = [w for _, w, _ in STATES]
    now = datetime.now(UTC)
    span = timedelta(days=3 * 365).total_seconds()
    started = time.monotonic()
    numbers: dict[tuple[str, int], int] = {}
    for chunk_start in range(existing, total, BATCH * 2):
        chunk_end = min(chunk_start + BATCH * 2, total)
        case_rows, event_rows, file_rows, doc_rows, version_rows, app_rows = [], [], [], [], [], []
        for n in range(chunk_start, chunk_end):
            slug = rng.choices(slugs, weights)[0]
            info = base[slug]
            municipality_id = info["municipality"].pk
            service = rng.choice(info["services"])
            state, _share, later = rng.choices(STATES, state_weights)[0]
            # ids grow with time: case n was created at a time rising with n
            created = now - timedelta(seconds=span * (1 - n / total) + rng.random() * 60)
            year = created.year
            numbers[(slug, year)] = numbers.get((slug, year), 0) + 1
            reference = f"22.31-{year}-B{n:07d}"
            first, last = rng.choice(FIRST), rng.choice(LAST)
            applicant = rng.choice(citizen_ids) if citizen_ids and rng.random() < 0.6 else None
            case_id = ids[Case]
            ids[Case] += 1
            application_id = None
            if application_every and n % application_every == 0:
                application_id = ids[Application]
                ids[Application] += 1
                app_rows.append(
                    dict(
                        id=application_id,
                        municipality_id=municipality_id,
                        public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                        service_id=service.pk,
                        definition_version_id=service.current_version_id,
                        applicant_id=applicant,
                        status=Application.Status.SUBMITTED,
                        data=_answers(rng, first, last),
                        completed_steps=["halter", "hund", "zahlung"],
                        fee_amount=Decimal("96.00"),
                        fee_details={"amount": "96.00", "label": "Hundesteuer pro Jahr"},
                        check_results=[
                            {"key": "volljaehrig", "passed": True},
                            {"key": "erlaubnis", "passed": True},
                        ],
                        created_at=created,
                        updated_at=created,
                        submitted_at=created,
                    )
                )
            staff = staff_ids[slug]
            assignee = rng.choice(staff) if later else None
            outcome = ""
            decided_at = closed_at = None
            # history: opened, receipt, then the state's events; chained hashes
            head, seq, at = "", 0, created
            kinds = ["opened", "document_added", *later]
            document_id = ids[Document]
            for kind in kinds:
                seq += 1
                at = at + timedelta(minutes=rng.randint(1, 60 * 24))
                actor = (
                    assignee if kind in ("started", "decided", "closed", "question_asked") else None
                )
                label = (
                    "" if actor else ("Automatische Bearbeitung" if seq > 1 else f"{first} {last}")
                )
                channel = "backoffice" if actor else ("online" if seq == 1 else "system")
                if kind == "opened":
                    data = {"reference": reference, "service": service.key, "due": "None"}
                elif kind == "document_added":
                    data = {"document": document_id, "title": "Eingangsbestätigung"}
                elif kind == "decided":
                    outcome = rng.choice(["granted", "granted", "granted", "rejected"])
                    decided_at = at
                    data = {"outcome": outcome, "reasons": "Benchmark", "automatic": False}
                elif kind == "closed":
                    closed_at = at
                    data = {}
                elif kind == "question_asked":
                    data = {"text": "Bitte reichen Sie den Impfpass nach."}
                elif kind == "withdrawn":
                    closed_at = at
                    label, channel = f"{first} {last}", "portal"
                    data = {"reason": ""}
                else:
                    data = {}
                data = json.loads(canonical(data))
                stamp = at.astimezone(UTC).isoformat(timespec="microseconds")
                digest = event_hash(
                    case_id=case_id,
                    seq=seq,
                    kind=kind,
                    actor_id=actor,
                    actor_label=label,
                    channel=channel,
                    data=data,
                    created_at=stamp,
                    prev_hash=head,
                )
                event_rows.append(
                    dict(
                        id=ids[CaseEvent],
                        municipality_id=municipality_id,
                        case_id=case_id,
                        seq=seq,
                        kind=kind,
                        actor_id=actor,
                        actor_label=label,
                        channel=channel,
                        data=data,
                        created_at=at,
                        prev_hash=head,
                        hash=digest,
                    )
                )
                ids[CaseEvent] += 1
                head = digest
            case_rows.append(
                dict(
                    id=case_id,
                    municipality_id=municipality_id,
                    reference=reference,
                    service_id=service.pk,
                    application_id=application_id,
                    applicant_id=applicant,
                    applicant_name=f"{first} {last}",
                    applicant_email=f"{first.lower()}@example.org",
                    state=state,
                    outcome=outcome,
                    channel=rng.choice(["online"] * 8 + ["counter", "post"]),
                    team_id=None,
                    assignee_id=assignee,
                    due_date=(created + timedelta(days=14)).date(),
                    decided_at=decided_at,
                    closed_at=closed_at,
                    version=1,
                    history_head=head,
                    history_length=seq,
                    created_at=created,
                    updated_at=at,
                )
            )
            file_id = ids[CaseFile]
            ids[CaseFile] += 1
            file_rows.append(
                dict(
                    id=file_id,
                    municipality_id=municipality_id,
                    case_id=case_id,
                    reference=reference,
                    file_plan="22.31",
                    created_at=created,
                )
            )
            doc_rows.append(
                dict(
                    id=document_id,
                    municipality_id=municipality_id,
                    file_id=file_id,
                    title="Eingangsbestätigung",
                    kind="receipt",
                    origin="system",
                    created_at=created,
                )
            )
            ids[Document] += 1
            version_rows.append(
                dict(
                    id=ids[DocumentVersion],
                    municipality_id=municipality_id,
                    document_id=document_id,
                    number=1,
                    content=pdf_name,
                    sha256=pdf_sha,
                    content_type="application/pdf",
                    size=pdf_size,
                    filename=f"Eingangsbestaetigung-{reference}.pdf",
                    created_at=created,
                )
            )
            ids[DocumentVersion] += 1
        with transaction.atomic():
            _insert(Application, app_rows)
            _insert(Case, case_rows)
            _insert(CaseEvent, event_rows)
            _insert(CaseFile, file_rows)
            _insert(Document, doc_rows)
            _insert(DocumentVersion, version_rows)
        done = chunk_end
        if done % 100_000 < BATCH * 2 or done == total:
            rate = (done - existing) / max(time.monotonic() - started, 0.001)
            log(f"Vorgänge: {done}/{total} ({rate:,.0f}/s)")
    _reset_sequences([Application, Case, CaseEvent, CaseFile, Document, DocumentVersion])


def geo_data(*, addresses: int, zones: int, rng: random.Random, base: dict[str, Any], log: Any):
    """Addresses and parking zones, when the geo app (branch ``geo``) has its models."""
    try:
        from rathaus.geo import models as geo_models
    except ImportError:
        geo_models = None  # type: ignore[assignment]
    if geo_models is None or not hasattr(geo_models, "Zone") or not hasattr(geo_models, "Address"):
        log("Geo: rathaus.geo.models hat noch keine Address/Zone (Zweig geo nicht gemergt)")
        return False
    from django.db import transaction

    from rathaus.geo.normalize import number_int, number_key, street_key
    from rathaus.geo.services import _touch

    Address, Zone = geo_models.Address, geo_models.Zone
    municipality = base["musterstadt"]["municipality"]
    have_zones = Zone.objects.of(municipality).filter(code__startswith="B").count()
    have_addresses = Address.objects.of(municipality).filter(postcode="33099").count()
    if have_zones >= zones and have_addresses >= addresses:
        log("Geo: vorhanden")
        return True
    Zone.objects.of(municipality).filter(code__startswith="B").delete()
    Address.objects.of(municipality).filter(postcode="33099").delete()
    # zones: a grid of squares around (7.0, 51.0); addresses inside them
    side = int(zones**0.5) + 1
    size = 0.004
    rows = []
    for n in range(zones):
        x0, y0 = 7.0 + (n % side) * size, 51.0 + (n // side) * size
        ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
        rows.append(
            Zone(
                municipality=municipality,
                kind="parking",
                code=f"B{n}",
                name=f"Bewohnerparkzone B{n}",
                geometry={"type": "Polygon", "coordinates": [ring]},
                active=True,
            )
        )
    with transaction.atomic():
        Zone.objects.bulk_create(rows, batch_size=BATCH)
    for offset in range(0, addresses, BATCH):
        batch = []
        for n in range(offset, min(offset + BATCH, addresses)):
            street = f"{rng.choice(STREETS)} {n // 200}"
            number = str(n % 200 + 1)
            batch.append(
                Address(
                    municipality=municipality,
                    street=street,
                    house_number=number,
                    postcode="33099",  # the generated register; the demo's addresses stay
                    city="Musterstadt",
                    lon=7.0 + rng.random() * side * size,
                    lat=51.0 + rng.random() * side * size,
                    street_key=street_key(street),
                    number_key=number_key(number),
                    number_int=number_int(number),
                )
            )
        with transaction.atomic():
            Address.objects.bulk_create(batch, batch_size=BATCH)
    with transaction.atomic():  # new version stamps: every process rebuilds its zone index
        _touch(municipality, zones=True, addresses=True)
    log(f"Geo: {zones} Zonen, {addresses} Adressen")
    return True


def _analyze(log: Any) -> None:
    """Fresh planner statistics after bulk inserts. Without them PostgreSQL estimates one row
    for a table of a million (autovacuum has not come round yet) and picks nested loops and
    sorts over the whole table: the inbox took 30 ms instead of 0.2 ms at 20,000 cases."""
    from django.db import connection

    if connection.vendor == "postgresql":
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        log(f"ANALYZE in {time.monotonic() - started:.1f} s")


def generate(
    *,
    cases_total: int,
    citizens_total: int,
    addresses: int,
    zones: int,
    seed: int,
    application_every: int = 4,
    log: Any = print,
) -> dict[str, Any]:
    """Generate (or find) the data set; returns what the scenarios need."""
    from rathaus.accounts.models import StaffMembership

    key = f"v{GENERATOR_VERSION}"
    wanted = json.dumps(
        {
            "seed": seed,
            "cases": cases_total,
            "citizens": citizens_total,
            "addresses": addresses,
            "zones": zones,
        },
        sort_keys=True,
    )
    started = time.monotonic()
    base = base_data(log)
    staff_ids = {
        slug: list(
            StaffMembership.objects.filter(municipality=info["municipality"]).values_list(
                "user_id", flat=True
            )
        )
        for slug, info in base.items()
    }
    geo_data(addresses=addresses, zones=zones, rng=random.Random(seed + 1), base=base, log=log)
    if marker_get(key) == wanted:
        log(f"Daten vorhanden (Marker {key} {wanted}), nichts zu tun")
    else:
        rng = random.Random(seed)
        citizen_ids = citizens(count=citizens_total, rng=rng, log=log)
        cases(
            total=cases_total,
            rng=rng,
            base=base,
            citizen_ids=citizen_ids,
            staff_ids=staff_ids,
            application_every=application_every,
            log=log,
        )
        marker_set(key, wanted)
        log(f"Daten erzeugt in {time.monotonic() - started:.0f} s")
    _analyze(log)
    return {"seconds": round(time.monotonic() - started, 1), "marker": json.loads(wanted)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--addresses", type=int, default=100_000)
    parser.add_argument("--zones", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    setup_django()
    generate(
        cases_total=args.cases,
        citizens_total=args.citizens,
        addresses=args.addresses,
        zones=args.zones,
        seed=args.seed,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )


if __name__ == "__main__":
    main()
