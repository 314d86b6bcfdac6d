"""The non-filer sweep over a demo load (PostgreSQL only): both runs timed.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_d \
        .venv/bin/python bench/sweep_bench.py [--year 2025] [--today 2026-07-08] [--explain]

Expects a database loaded by bench/load_demo.py (seed_demo --enterprises 1000000). Migrates,
deletes the entries an earlier run of this script made for the year (raw SQL: the portal
itself never deletes entries; the audit log is append-only and keeps every run's event), counts the non-filers, then times listings.services.non_filers_list
twice: the first run lists them all, the second (the idempotence) lists nobody. `--explain`
prints EXPLAIN ANALYZE of the selection (inside a rolled-back transaction). The figures go to
bench/out/sweep.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_url, load_average, machine, save  # noqa: E402

os.environ["DATABASE_URL"] = database_url()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from credit.filing import non_filers  # noqa: E402
from credit.models import Enterprise  # noqa: E402
from listings import services  # noqa: E402
from listings.models import ListEntry, ListReason, local_today  # noqa: E402


def clean(year: int) -> int:
    reason = ListReason.objects.get(credit_list__code="abnormal-operations", code=services.NON_FILER_REASON)
    earlier = ListEntry.objects.filter(reason=reason, report_year=year).count()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM listings_listentryevent WHERE entry_id IN "
            "(SELECT id FROM listings_listentry WHERE reason_id = %s AND report_year = %s)", [reason.pk, year])
        cursor.execute("DELETE FROM listings_listentry WHERE reason_id = %s AND report_year = %s", [reason.pk, year])
    return earlier


def explain(year: int, today: dt.date) -> str:
    """EXPLAIN ANALYZE of the entries' INSERT ... SELECT, rolled back."""
    lines: list[str] = []

    def wrapper(execute, statement, params, many, context):
        if statement.lstrip().startswith("INSERT INTO listings_listentry ("):
            result = execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params, many, context)
            lines.extend(row[0] for row in context["cursor"].fetchall())
            return result
        return execute(statement, params, many, context)

    with transaction.atomic(), connection.execute_wrapper(wrapper):
        services.non_filers_list(year=year, today=today)
        transaction.set_rollback(True)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    today = local_today()
    parser.add_argument("--year", type=int, default=today.year - 1)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=today)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Run against PostgreSQL: set BENCH_DATABASE_URL")
    call_command("migrate", verbosity=0)
    removed = clean(args.year)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE listings_listentry")
    result = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "year": args.year,
        "today": args.today.isoformat(),
        "enterprises": Enterprise.objects.count(),
        "entries_before": ListEntry.objects.count(),
        "removed_from_earlier_run": removed,
    }
    started = time.perf_counter()
    result["non_filers"] = non_filers(args.year).count()
    result["count_seconds"] = round(time.perf_counter() - started, 2)
    if args.explain:
        print(explain(args.year, args.today))
    for run in ("first", "second"):
        result[f"{run}_load_before"] = load_average()
        started = time.perf_counter()
        listed = services.non_filers_list(year=args.year, today=args.today)
        result[f"{run}_seconds"] = round(time.perf_counter() - started, 2)
        result[f"{run}_listed"] = listed
        result[f"{run}_load_after"] = load_average()
        print(f"{run} run: listed {listed:,} in {result[f'{run}_seconds']} s (load {result[f'{run}_load_before']})")
    result["entries_after"] = ListEntry.objects.count()
    path = save("sweep.json", result)
    print(result)
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
