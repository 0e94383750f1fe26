"""Profile one scenario in process, through the whole middleware stack, on the bench data.

    .venv/bin/python -m bench.profile inbox [--db sqlite|postgres] [--quick] [-n 200] [--html F]

Runs the bench's settings against the data of an earlier ``bench.run`` (``var/bench-<db>…``),
with Django's test client (no socket, no server), and prints the mean time and the queries per
request and a pyinstrument profile of ``-n`` requests. Scenarios: ``hello``, ``catalogue``,
``inbox``, ``inbox_search``, ``case_page``, ``api_case_list``, ``submit`` (drafts are filled in
beforehand, only the submission is profiled), ``get --path P`` (any page, anonymously). With
``--cprofile`` the functions with the most own time come first, then the cumulative list
(``PROFILE_ROWS`` rows, default 60; ``PROFILE_CALLERS=regex`` adds who called what matches).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--path", default="", help="scenario `get`: this path, anonymously")
    parser.add_argument("--html", default="", help="write the profile as HTML to this file")
    parser.add_argument("--no-profile", action="store_true", help="only time and count queries")
    parser.add_argument(
        "--cprofile", action="store_true", help="cProfile: the functions with the most own time"
    )
    args = parser.parse_args(argv)

    from .run import CLERK, M, bench_env

    var_dir = ROOT / "var" / f"bench-{args.db}{'-quick' if args.quick else ''}"
    if not var_dir.exists():
        raise SystemExit(f"{var_dir} fehlt: erst `python -m bench.run --db {args.db}` ausführen")
    env = bench_env(args.db, var_dir)
    env.pop("RATHAUS_BENCH_QUERY_COUNT", None)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from rathaus.cases.models import Case
    from rathaus.core.demo import DEMO_PASSWORD
    from rathaus.core.models import Municipality

    host = {"HTTP_HOST": "127.0.0.1"}
    musterstadt = Municipality.objects.get(slug="musterstadt")
    rng = random.Random(3)

    def staff_client() -> Client:
        client = Client(**host)
        client.post(f"{M}/verwaltung/anmelden/", {"username": CLERK, "password": DEMO_PASSWORD})
        return client

    requests: Callable[[], object]
    if args.scenario in ("hello", "catalogue", "get"):
        client = Client(**host)
        path = {"hello": "/bench/hello", "catalogue": f"{M}/leistungen/"}.get(
            args.scenario, args.path
        )

        def requests() -> object:
            return client.get(path)

    elif args.scenario in ("inbox", "inbox_search", "case_page"):
        client = staff_client()
        ids = list(
            Case.objects.of(musterstadt)
            .filter(application__isnull=False)
            .order_by("-id")
            .values_list("id", flat=True)[:2000]
        )
        paths = {
            "inbox": lambda: f"{M}/verwaltung/vorgaenge/",
            "inbox_search": lambda: f"{M}/verwaltung/vorgaenge/?q=Schmidt&state=in_progress",
            "case_page": lambda: f"{M}/verwaltung/vorgaenge/{rng.choice(ids)}/",
        }
        make_path = paths[args.scenario]

        def requests() -> object:
            return client.get(make_path())

    elif args.scenario == "api_case_list":
        from .run import API, API_KEY

        client = Client(**host)

        def requests() -> object:
            return client.get(f"{API}/cases?limit=50", HTTP_X_API_KEY=API_KEY)

    elif args.scenario == "submit":
        drafts = [_draft(Client(**host)) for _ in range(args.n + 10)]

        def requests() -> object:
            client, public_id = drafts.pop()
            response = client.post(f"{M}/antraege/{public_id}/absenden/")
            if "/eingereicht/" not in response.get("Location", ""):
                raise SystemExit(f"Einreichung fehlgeschlagen: {response.status_code}")
            return response

    else:
        raise SystemExit(f"unbekanntes Szenario {args.scenario}")

    for _ in range(5):  # warm up: templates, caches, zone index
        requests()
    queries: list[tuple[float, str]] = []

    def capture(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - began, sql))

    with connection.execute_wrapper(capture):
        requests()
    status = getattr(requests(), "status_code", "?")
    runs = args.n
    profiler = None
    if args.cprofile:
        import cProfile
        import pstats

        with cProfile.Profile() as cprofiler:
            for _ in range(runs):
                requests()
        stats = pstats.Stats(cprofiler)
        stats.sort_stats("tottime").print_stats(35)
        stats.sort_stats("cumulative").print_stats(int(os.environ.get("PROFILE_ROWS", "60")))
        if os.environ.get("PROFILE_CALLERS"):
            stats.print_callers(os.environ["PROFILE_CALLERS"])
        return
    if not args.no_profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    started = time.perf_counter()
    for _ in range(runs):
        requests()
    elapsed = time.perf_counter() - started
    if profiler:
        profiler.stop()
        print(
            profiler.output_text(
                unicode=True, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))
            )
        )
        if args.html:
            Path(args.html).write_text(profiler.output_html())
    print(
        f"{args.scenario}: {elapsed / runs * 1000:.2f} ms per request "
        f"({'with' if profiler else 'without'} profiler), {len(queries)} queries, status {status}"
    )
    for seconds, sql in queries:
        print(f"  {seconds * 1000:6.2f} ms  {sql[:180]}")


def _draft(client: object) -> tuple[object, str]:
    """A filled-in dog registration (as bench.run.fill_application, through the test client)."""
    from datetime import date, timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile

    from .run import HALTER, PDF, M

    start = client.post(f"{M}/antraege/neu/hund-anmelden/")  # type: ignore[attr-defined]
    base = start["Location"].split("/schritt/")[0]
    public_id = base.rstrip("/").rsplit("/", 1)[1]
    post = client.post  # type: ignore[attr-defined]
    post(f"{base}/schritt/halter/", HALTER)
    post(
        f"{base}/schritt/hund/",
        {
            "name": "Bello",
            "rasse": "rottweiler",
            "geburtsdatum": "2020-01-01",
            "chipnummer": "276098106543210",
            "haltung_seit": (date.today() - timedelta(days=10)).isoformat(),
            "weitere_hunde": "0",
        },
    )
    post(
        f"{base}/schritt/gefaehrlich/",
        {
            "erlaubnis_vorhanden": "on",
            "erlaubnis_behoerde": "Ordnungsamt",
            "erlaubnis_datum": "2024-01-10",
            "haftpflicht": "on",
            "sachkunde": SimpleUploadedFile("nachweis.pdf", PDF, "application/pdf"),
        },
    )
    post(f"{base}/schritt/zahlung/", {})
    client.get(f"{base}/zusammenfassung/")  # type: ignore[attr-defined]
    return client, public_id


if __name__ == "__main__":
    main()
