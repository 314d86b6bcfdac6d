"""Benchmarks for the lists (PostgreSQL only).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_listings_bench \
    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/listings_bench.py page
    ... bench/listings_bench.py sweep

`page`: 100,000 entries on the abnormal-operations list (bulk SQL), then the list page
is requested in-process with Django's test Client (server time: view, queries and
template) and its p50/p95 printed for the first page, a deep page, a region filter and a
date-range filter. `--no-index` drops the covering list-page index first to show the baseline.

`sweep`: 1,000,000 entries over seven lists, of which 30% are past their publication end;
times list_entries_expire() (including the history INSERT and cache invalidation), then
runs it again to show that the second run changes nothing.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from listings import services  # noqa: E402
from listings.models import CreditList, ListEntry, local_today  # noqa: E402


def sql(statement: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def reset(enterprises: int) -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("Run against PostgreSQL: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    sql("TRUNCATE listings_listentryevent, listings_objection, listings_listentry RESTART IDENTITY CASCADE")
    sql("DELETE FROM credit_enterprise WHERE uscc LIKE 'B%'")
    samr = CreditList.objects.get(code="abnormal-operations").owner_agency_id
    # Enterprises only need the columns the list page shows; codes start with B so they never clash.
    sql(
        """INSERT INTO credit_enterprise (uscc, name, name_en, entity_type, legal_representative_name,
               capital_currency, established_on, status, domicile, business_scope, region_code, industry,
               risk_class, search_tokens, updated_at, registration_authority_id)
           SELECT 'B' || lpad(g::text, 17, '0'), '北京测试' || g || '科技有限公司', '', 'llc', '', 'CNY',
                  date '2015-01-01', 'active', '北京市海淀区', '',
                  (ARRAY['110108','310115','440305','330106','510107'])[1 + g %% 5], 'I', 'B', '', now(), %s
             FROM generate_series(1, %s) AS g""",
        [samr, enterprises],
    )


def insert_entries(*, list_codes: list[str], total: int, expired_share: float, first_enterprise: int,
                   enterprises: int) -> None:
    """`total` entries spread over `list_codes`; `expired_share` of them listed with an end date in the past."""
    lists = {item.code: item for item in CreditList.objects.filter(code__in=list_codes)}
    per_list = total // len(list_codes)
    for number, code in enumerate(list_codes):
        credit_list = lists[code]
        reasons = list(credit_list.reasons.values_list("id", flat=True))
        months = credit_list.max_publication_months or 36
        sql(
            f"""INSERT INTO listings_listentry (credit_list_id, enterprise_id, region_code, reason_id, reason_text, legal_basis,
                   decision_number, deciding_agency_id, severity, decided_on, listed_on, publication_ends_on,
                   repair_from, state, state_changed_at, removed_on, removal_reason, removal_decision_number,
                   removing_agency_id, source_label, source_url, published_at)
               SELECT %s, %s + (g * 7919 + %s) %% %s,
                      (ARRAY['110108','310115','440305','330106','510107'])[1 + ((g * 7919 + %s) %% %s) %% 5],
                      (ARRAY{reasons})[1 + g %% {len(reasons)}], '', '',
                      'BENCH-' || g, %s, %s, d.listed_on, d.listed_on,
                      CASE WHEN %s THEN NULL ELSE (d.listed_on + make_interval(months => %s))::date - 1 END,
                      d.listed_on, CASE WHEN g %% 10 < 2 THEN 'removed' ELSE 'listed' END, now(),
                      CASE WHEN g %% 10 < 2 THEN d.listed_on + 30 END,
                      CASE WHEN g %% 10 < 2 THEN '已补报' ELSE '' END, '',
                      CASE WHEN g %% 10 < 2 THEN %s END, '', '', now()
                 FROM generate_series(1, %s) AS g,
                      LATERAL (SELECT (CASE WHEN (g %% 1000) < %s
                                            THEN current_date - make_interval(months => %s) - (g %% 300) * interval '1 day'
                                            ELSE current_date - (g %% 300) * interval '1 day' END)::date AS listed_on) AS d""",
            [
                credit_list.pk, first_enterprise, number, enterprises, number, enterprises,
                credit_list.owner_agency_id,
                credit_list.severity, credit_list.max_publication_months is None, months,
                credit_list.owner_agency_id, per_list, int(expired_share * 1000), months,
            ],
        )
    sql("VACUUM ANALYZE listings_listentry")
    sql("VACUUM ANALYZE credit_enterprise")


def first_enterprise_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM credit_enterprise WHERE uscc LIKE 'B%'")
        return cursor.fetchone()[0]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def bench_page(args) -> None:
    if args.setup:
        started = time.perf_counter()
        reset(100_000)
        insert_entries(list_codes=["abnormal-operations"], total=100_000, expired_share=0,
                       first_enterprise=first_enterprise_id(), enterprises=100_000)
        print(f"setup: {ListEntry.objects.count():,} entries in {time.perf_counter() - started:.1f} s")
    if args.no_index:
        sql("DROP INDEX IF EXISTS listings_entry_list_page")
    client = Client()
    addresses = {
        "first page (active)": "/lists/abnormal-operations/",
        "page 200": "/lists/abnormal-operations/?page=200",
        "region 310000": "/lists/abnormal-operations/?region=310000",
        "date range": "/lists/abnormal-operations/?listed_from=2026-03-01&listed_to=2026-06-30&status=",
        "all statuses, page 500": "/lists/abnormal-operations/?status=&page=500",
    }
    for label, address in addresses.items():
        for _ in range(10):
            assert client.get(address).status_code == 200
        timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(address)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        print(f"{label:28} p50 {statistics.median(timings):6.1f} ms  p95 {percentile(timings, 0.95):6.1f} ms")
    if args.no_index:
        sql(importlib.import_module("listings.migrations.0003_covering_index").CREATE)


def bench_sweep(args) -> None:
    if args.setup:
        started = time.perf_counter()
        reset(200_000)
        codes = ["serious-illegal", "major-tax-violators", "dishonest-judgment-debtors", "procurement-blacklist",
                 "environmental-violators", "a-grade-taxpayers", "abnormal-operations"]
        insert_entries(list_codes=codes, total=1_000_000, expired_share=0.3,
                       first_enterprise=first_enterprise_id(), enterprises=200_000)
        print(f"setup: {ListEntry.objects.count():,} entries in {time.perf_counter() - started:.1f} s")
    due = ListEntry.objects.filter(state="listed", publication_ends_on__lt=local_today()).count()
    print(f"due for expiry: {due:,}")
    for run in (1, 2):
        started = time.perf_counter()
        expired = services.list_entries_expire()
        print(f"sweep run {run}: {expired:,} entries expired in {time.perf_counter() - started:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["page", "sweep"])
    parser.add_argument("--no-setup", dest="setup", action="store_false")
    parser.add_argument("--no-index", action="store_true")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    {"page": bench_page, "sweep": bench_sweep}[args.what](args)


if __name__ == "__main__":
    main()
