"""The English-word search by each way it can be read, per word (PostgreSQL only).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/english_words.py \
        [--names 400] [--seed 7] [--repeat 3]

The words are one word of each of --names random English names (as bench/uncached_bench.py's
"English word" class takes them). For each: the estimate the search makes (english_share), the
matches (exact up to SEARCH_COUNT_LIMIT), and the database time of enterprise_search (the wall
time of its statements as the client sees them, the best of --repeat) read the way the search
chooses, and forced each other way by its constants: the bucket scan (as many buckets as the
estimate asks, then the index if they fall short), the window parts (credit migration 0020),
pg_trgm's index query (the window index left out) and the substring scan (only for a word
with an estimate). Nothing is written. Prints a Markdown table sorted by the estimate, then
the mean and the 95th percentile of each column, and the machine and load average.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_url, load_average, machine  # noqa: E402

os.environ["DATABASE_URL"] = database_url()
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from credit.models import Enterprise  # noqa: E402
from credit.selectors import search  # noqa: E402

WAYS = {
    "chosen": {},
    "buckets": {"ENGLISH_BUCKET_SCAN_MAX_BUCKETS": 10**6, "BUCKET_SCAN_MAX_BUCKETS": 10**6,
                "SUBSTRING_SCAN_MIN_SHARE_ENGLISH": 2.0},
    "windows": {"ENGLISH_BUCKET_SCAN_MAX_BUCKETS": 0, "SUBSTRING_SCAN_MIN_SHARE_ENGLISH": 2.0},
    "pg_trgm": {"ENGLISH_BUCKET_SCAN_MAX_BUCKETS": 0, "SUBSTRING_SCAN_MIN_SHARE_ENGLISH": 2.0,
                "english_quadgrams": lambda terms: []},
    "substring": {"SUBSTRING_SCAN_MIN_SHARE_ENGLISH": 0.0, "ENGLISH_BUCKET_SCAN_MAX_BUCKETS": 0},
}


@contextlib.contextmanager
def patched(values: dict):
    saved = {name: getattr(search, name) for name in values}
    for name, value in values.items():
        setattr(search, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(search, name, value)


def database_ms(word: str, repeat: int) -> tuple[float, int, object]:
    times: list[float] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            times.append(time.perf_counter() - started)

    best, statements, page = float("inf"), 0, None
    for _ in range(repeat):
        times.clear()
        with connection.execute_wrapper(timed):
            page = search.enterprise_search(data={"q": word}).page
        if sum(times) < best:
            best, statements = sum(times), len(times)
    return best * 1000, statements, page


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only (BENCH_DATABASE_URL)")
    rng = random.Random(args.seed)
    top = Enterprise.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ids = rng.sample(range(1, top + 1), min(args.names, top))
    names = Enterprise.objects.filter(id__in=ids).exclude(name_en="").values_list("name_en", flat=True)
    words = sorted({rng.choice(name.split()) for name in names})
    known = search.planner_statistics(connection.alias)
    before = load_average()
    rows = []
    for word in words:
        share = search.english_share(search.english_parts(word), known) or 0.0
        figures = {}
        for way, values in WAYS.items():
            if way == "substring" and not share:
                continue
            with patched(values):
                ms, statements, page = database_ms(word, args.repeat)
            figures[way] = (ms, statements)
            if way == "chosen":
                found = f"more than {page.count}" if page.bounded else str(page.count)
        rows.append((share, word, found, figures))
    rows.sort(key=lambda row: (row[0], row[1]))
    box = machine()
    print(f"Machine: {box['nproc']} cores ({box['cpu']}), PostgreSQL {box['postgresql']}; load average {before} "
          f"before, {load_average()} after; {len(words)} words of {len(names)} names (seed {args.seed}), "
          f"best of {args.repeat}.\n")
    print("| word | estimate | matches | " + " | ".join(f"{way} ms (statements)" for way in WAYS) + " |")
    print("|---|---:|---:|" + "---:|" * len(WAYS))
    for share, word, found, figures in rows:
        cells = [f"{figures[way][0]:.1f} ({figures[way][1]})" if way in figures else "" for way in WAYS]
        print(f"| {word} | {share:.2%} | {found} | " + " | ".join(cells) + " |")
    summary = []
    for way in WAYS:
        values = sorted(figures[way][0] for *_, figures in rows if way in figures)
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))] if values else 0
        summary.append(f"{statistics.fmean(values):.1f} / {p95:.1f}" if values else "")
    print("| mean / p95 | | | " + " | ".join(summary) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
