"""EXPLAIN (ANALYZE, BUFFERS) of the search's queries for every kind of term (PostgreSQL only).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/h5_big .venv/bin/python bench/search_explain.py
    ... bench/search_explain.py --shape before   # the two queries of the search before the bounded scan

Runs each case's queries once to warm the cache, then --repeat times, and prints a Markdown
table of the median execution time, the buffers of the last run (shared hit + read), the
rows the scan of credit_enterprise returned and the plan's outline, plus the machine and
the load average. The terms that depend on the data (a rare name fragment, an English
word, a code prefix, a representative's name) are taken from fixed rows of the database.
Nothing is written to the database. The JSON goes to bench/out/search_explain-<shape>.json.

Shapes:
- after: what credit.selectors.search.bounded_page runs: the planner settings, then ONE
  query that takes at most SEARCH_COUNT_LIMIT + 1 candidate ids (from the indexes with no
  ORDER BY; for a frequent name bucket by bucket through the bucketed token or trigram index,
  or from the first rows in id order by substring tests; for a code's start, the prefix index
  then the other matches; for a rarer Latin word, the English name's four-character window
  index then the other matches), counts and numbers them by id, and reads the page's rows by
  primary key; a second query where the statistics misled. (The statistics themselves are
  read once per process, before the first case: not counted.)
- before: the search as it was until this script (commit 9adb82c): a COUNT(*) over a
  LIMIT 1001 subquery, then the page ordered by id (bounded) or by id + 0 (not bounded).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_url, machine, save  # noqa: E402

os.environ["DATABASE_URL"] = database_url()
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import BigIntegerField, ExpressionWrapper, F  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from credit.filters import EnterpriseFilter  # noqa: E402
from credit.models import Enterprise  # noqa: E402
from credit.selectors import search  # noqa: E402


def sample_terms() -> dict[str, str]:
    """Terms taken from fixed rows, so that every database of the same load gives the same."""
    total = Enterprise.objects.count()
    # A rare fragment: the trade name and the start of the industry, the four characters after
    # the city ("成都市坤美科技有限公司" -> 坤美科技), from the first such name past a third of the ids.
    row = next(
        e for e in Enterprise.objects.filter(name__contains="市").exclude(name__contains="区").order_by("id")[total // 3 :][:50]
    )
    english = next(
        e.name_en for e in Enterprise.objects.exclude(name_en="").order_by("id")[total // 5 :][:1]
    )
    words = [w for w in english.replace(",", " ").replace(".", " ").split() if len(w) >= 5]
    # Second word of the name: the first is the province (Beijing, ...), far too common to tell.
    word = words[1] if len(words) > 1 else words[0]
    rare = row.name.split("市", 1)[1][:4]
    return {"rare": rare, "english": word, "uscc8": row.uscc[:8], "person": row.legal_representative_name}


def cases() -> list[tuple[str, dict[str, str]]]:
    t = sample_terms()
    return [
        ("1 character, frequent: 科", {"q": "科"}),
        ("2 characters, frequent: 科技", {"q": "科技"}),
        ("2 characters, frequent: 北京", {"q": "北京"}),
        ("3 characters, mid: 北京市", {"q": "北京市"}),
        ("4 characters, mid: 网络科技", {"q": "网络科技"}),
        ("4 characters, mid: 环保科技", {"q": "环保科技"}),
        ("4 characters, frequent: 有限公司", {"q": "有限公司"}),
        ("4 characters, frequent: 科技有限", {"q": "科技有限"}),
        (f"4 characters, rare: {t['rare']}", {"q": t["rare"]}),
        ("2 terms: 北京 科技", {"q": "北京 科技"}),
        ("2 terms, rarely together: 餐饮 网络", {"q": "餐饮 网络"}),
        ("2 frequent terms, rarely together: 公司 店", {"q": "公司 店"}),
        ("科技 + province 44", {"q": "科技", "province": "44"}),
        ("科技 + status revoked + risk D", {"q": "科技", "status": "revoked", "risk_class": "D"}),
        ("province 11 alone", {"province": "11"}),
        ("entity type partnership alone", {"entity_type": "partnership"}),
        ("status revoked + risk D alone", {"status": "revoked", "risk_class": "D"}),
        ("risk C alone", {"risk_class": "C"}),
        ("province 54 + risk D", {"province": "54", "risk_class": "D"}),
        (f"English word: {t['english']}", {"q": t["english"]}),
        ("English word: Guangtong", {"q": "Guangtong"}),
        ("English word, a trade name of a few hundred names: Xingguang", {"q": "Xingguang"}),
        ("English word, in most English names: Ltd.", {"q": "Ltd."}),
        ("English words: Shenzhen Logistics", {"q": "Shenzhen Logistics"}),
        (f"USCC prefix: {t['uscc8']}", {"q": t["uscc8"]}),
        (f"legal representative: {t['person']}", {"q": t["person"]}),
    ]


def filtered(params: dict[str, str]):
    filterset = EnterpriseFilter(data=params, queryset=Enterprise.objects.all())
    if not filterset.form.is_valid():
        raise SystemExit(f"{params}: {filterset.form.errors.as_text()}")
    return filterset.qs


def statements_after(params: dict[str, str]) -> list[tuple[str, list]]:
    """The search's own statements as it sends them for page 1 (through enterprise_search: the
    substring scan of a frequent term, and the index query after it where the scan fell short),
    without the planner statement, which `explain` repeats."""
    filtered(params)  # a bad case stops here, with the form's message
    with CaptureQueriesContext(connection) as ctx:
        search.enterprise_search(data=params)
    return [(q["sql"], None) for q in ctx.captured_queries if "WITH candidates" in q["sql"]]


def statements_before(params: dict[str, str]) -> list[tuple[str, list]]:
    """The count, then the page, exactly as the search issued them before (commit 9adb82c):
    the statements are captured as sent, with their values in place."""
    limit = settings.SEARCH_COUNT_LIMIT
    queryset = filtered(params).only(*search.SEARCH_COLUMNS)
    with CaptureQueriesContext(connection) as ctx:
        found = queryset.order_by()[: limit + 1].count()
        if found > limit:
            # Many matches: walking the primary key fills a page after a few rows.
            ordering = F("id").asc()
        else:
            # Few: through the search index, then sorted ("id + 0" keeps the planner off the key).
            ordering = ExpressionWrapper(F("id") + 0, output_field=BigIntegerField()).asc()
        list(queryset.order_by(ordering)[:20])
    return [(q["sql"], None) for q in ctx.captured_queries]


def explain(sql: str, params: list | None, planner: dict | None) -> tuple[dict, float]:
    """The plan, and the wall time of running the statement itself (no EXPLAIN) once more."""
    with connection.cursor() as cursor:
        if planner is not None:
            cursor.execute("BEGIN")
            cursor.execute(
                "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in planner),
                [v for item in planner.items() for v in item],
            )
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
        started = time.perf_counter()
        cursor.execute(sql, params)
        cursor.fetchall()
        wall = (time.perf_counter() - started) * 1000
        if planner is not None:
            cursor.execute("ROLLBACK")
    return (plan[0] if isinstance(plan, list) else json.loads(plan)[0]), wall


def walk(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from walk(child)


HEAP_SCANS = ("Seq Scan", "Bitmap Heap Scan", "Index Scan", "Index Only Scan")


def summary(plan: dict) -> dict:
    top = plan["Plan"]
    nodes = list(walk(top))
    # The scans only (joins, sorts and window functions over at most 1,001 ids are cheap),
    # index names without the table's prefix.
    outline = []
    for n in nodes:
        if n["Node Type"] not in (*HEAP_SCANS, "Bitmap Index Scan", "BitmapAnd", "BitmapOr"):
            continue
        kind = n["Node Type"].replace("Bitmap Index Scan", "Bitmap").replace("Bitmap Heap Scan", "Bitmap Heap")
        if "Index Name" in n:
            kind += " " + n["Index Name"].removeprefix("credit_enterprise_").removeprefix("credit_ente_")
        if kind not in outline:
            outline.append(kind)
    # Rows of credit_enterprise the scans looked at (returned or filtered out), and index
    # entries the bitmap scans collected: the work that must stay bounded.
    heap_rows = sum(
        (n.get("Actual Rows", 0) + n.get("Rows Removed by Filter", 0) + n.get("Rows Removed by Index Recheck", 0))
        * n.get("Actual Loops", 1)
        for n in nodes
        if n["Node Type"] in HEAP_SCANS and n.get("Relation Name") == "credit_enterprise"
    )
    entries = sum(n.get("Actual Rows", 0) for n in nodes if n["Node Type"] == "Bitmap Index Scan")
    return {
        "ms": plan["Execution Time"] + plan["Planning Time"],
        "buffers": top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0),
        "read": top.get("Shared Read Blocks", 0),
        "rows": heap_rows,
        "entries": entries,
        "outline": outline,
    }


def run_case(params: dict[str, str], shape: str, repeat: int) -> dict:
    statements = statements_after(params) if shape == "after" else statements_before(params)
    planner = None
    if shape == "after":
        filtered = any(value for name, value in params.items() if name != "q")
        sound = search.search_estimate_is_sound(params.get("q", "")) and not (params.get("q") and filtered)
        planner = search.PLANNER_SETTINGS if sound else {**search.PLANNER_SETTINGS, **search.NO_SEQSCAN}
    runs, walls = [], []
    for _ in range(repeat + 1):
        explained = [explain(sql, p, planner) for sql, p in statements]
        runs.append([summary(plan) for plan, _ in explained])
        walls.append(sum(wall for _, wall in explained))
    runs, walls = runs[1:], walls[1:]  # the first run warms the cache
    last = runs[-1]
    return {
        "ms": statistics.median(sum(s["ms"] for s in run) for run in runs),
        "max_ms": max(sum(s["ms"] for s in run) for run in runs),
        "wall_ms": statistics.median(walls),
        "seqscan": "default" if planner is None else "allowed" if planner.get("enable_seqscan") != "off" else "off",
        "buffers": sum(s["buffers"] for s in last),
        "read": sum(s["read"] for s in last),
        "rows": sum(s["rows"] for s in last),
        "entries": sum(s["entries"] for s in last),
        "queries": len(statements) + (1 if planner is not None else 0),
        "outline": " / ".join(", ".join(s["outline"]) for s in last),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=["after", "before"], default="after")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override one of the search's planner settings (to compare)")
    parser.add_argument("--only", default="", help="only the cases whose label contains this")
    parser.add_argument("--term", action="append", default=[], help="explain this term instead of the cases")
    args = parser.parse_args()
    for item in args.set:
        name, value = item.split("=", 1)
        search.PLANNER_SETTINGS[name] = value
    if connection.vendor != "postgresql":
        raise SystemExit("Run against PostgreSQL: set BENCH_DATABASE_URL")
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with open("/proc/loadavg", encoding="ascii") as fh:
        load_before = " ".join(fh.read().split()[:3])
    results = []
    for label, params in [(f"term: {t}", {"q": t}) for t in args.term] or cases():
        if args.only not in label:
            continue
        result = run_case(params, args.shape, args.repeat)
        results.append({"case": label, "params": params, **result})
        print(f"{label}: {result['ms']:.1f} ms", file=sys.stderr)
    with open("/proc/loadavg", encoding="ascii") as fh:
        load_after = " ".join(fh.read().split()[:3])
    info = machine()
    print(f"Shape `{args.shape}`, {started}, {Enterprise.objects.count():,} enterprises, "
          f"SEARCH_COUNT_LIMIT {settings.SEARCH_COUNT_LIMIT}; median of {args.repeat} warm runs. "
          f"Load average {load_before} before, {load_after} after. Machine: {info['nproc']} cores "
          f"({info['cpu']}), {info['ram_gib']} GiB RAM, PostgreSQL {info['postgresql']}, Python {info['python']}.")
    print()
    print("| case | queries | seq scan | EXPLAIN median ms | max ms | wall median ms | buffers (read) | heap rows "
          "| index entries | plan |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        print(f"| {r['case']} | {r['queries']} | {r['seqscan']} | {r['ms']:.1f} | {r['max_ms']:.1f} | {r['wall_ms']:.1f} "
              f"| {r['buffers']:,} ({r['read']:,}) "
              f"| {r['rows']:,} | {r['entries']:,} | {r['outline']} |")
    save(f"search_explain-{args.shape}.json", {"date": started, "load": [load_before, load_after],
                                                "machine": info, "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
