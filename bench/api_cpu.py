"""CPU per cold credit file in-process: the API's and the site's, with an optional profile.

    .venv/bin/python bench/api_cpu.py [--files 50] [--profile] [--tree PATH]

Django's test client through the whole middleware stack, on bench.settings against
BENCH_DATABASE_URL (default portal_bench) opened read-only (default_transaction_read_only:
nothing here may write to the benchmark database), DEBUG off, the cache as the environment
names it (CACHE_REDIS_URL / REDIS_URL as in bench/api_bench.py; per-process memory otherwise).
Every file is of a different random enterprise, each asked once: each request renders its file
(the API's kept body and the site's page cache miss). `--tree` imports another checkout's code
(a base tree, for a before/after in one sitting). Prints CPU ms (process time) and wall ms per
file, median and mean, and with --profile the functions by cumulative and own time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--tree", default=str(Path(__file__).resolve().parent.parent))
    args = parser.parse_args()
    tree = Path(args.tree).resolve()
    sys.path.insert(0, str(tree))
    os.chdir(tree)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench"),
        "DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "ERROR", "API_ANON_RATE": "1000000000",
        # libpq's: every session of this process is read-only, whatever Django opens.
        "PGOPTIONS": "-c default_transaction_read_only=on",
    })
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 50)
    import django
    from django.conf import settings

    django.setup()
    from django.db import connection
    from django.test import Client

    from credit.models import Enterprise

    with connection.cursor() as cursor:
        cursor.execute("SHOW default_transaction_read_only")
        assert cursor.fetchone()[0] == "on", "the benchmark database must be opened read-only"
    rng = random.Random(args.seed)
    top = Enterprise.objects.order_by("-id").values_list("id", flat=True)[0]
    wanted = 2 * (args.files + args.warmup)
    ids = rng.sample(range(1, top + 1), wanted * 2)
    codes = list(Enterprise.objects.filter(id__in=ids).values_list("uscc", flat=True))[:wanted]
    rng.shuffle(codes)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-hans")

    def measure(paths: list[str], profiler: cProfile.Profile | None = None) -> tuple[list[float], list[float]]:
        cpu, wall = [], []
        for path in paths:
            c0, w0 = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            response = client.get(path)
            if profiler:
                profiler.disable()
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        return cpu, wall

    half = len(codes) // 2
    api_codes, site_codes = codes[:half], codes[half:]
    w = args.warmup
    measure([f"/api/v1/enterprises/{c}/" for c in api_codes[:w]] + [f"/enterprises/{c}/" for c in site_codes[:w]])
    profiler = cProfile.Profile() if args.profile else None
    results = {
        "API credit file": measure([f"/api/v1/enterprises/{c}/" for c in api_codes[w:]], profiler),
        "site credit file": measure([f"/enterprises/{c}/" for c in site_codes[w:]]),
    }
    print(f"tree {tree}; {len(api_codes) - w} cold files each; cache {settings.CACHES['default']['BACKEND']}; "
          f"load average {os.getloadavg()}")
    for name, (cpu, wall) in results.items():
        print(f"{name:18} CPU ms median {statistics.median(cpu):6.2f} mean {statistics.fmean(cpu):6.2f}   "
              f"wall ms median {statistics.median(wall):6.2f} mean {statistics.fmean(wall):6.2f}")
    try:
        from portal.api_plain import plain_serializer
    except ImportError:  # a tree from before portal.api_plain
        plain_serializer = None
    if plain_serializer is not None:
        serialise_both(api_codes[w:], plain_serializer)
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
    return 0


def serialise_both(codes: list[str], plain_serializer) -> None:
    """The same files' rows through DRF's serializers and through portal.api_plain: CPU ms per
    file of the serialisation alone (each the best of three, over contexts built beforehand)."""
    from django.test import RequestFactory
    from django.utils import timezone

    from credit import api as credit_api
    from credit import selectors

    request = RequestFactory().get("/api/v1/enterprises/x/", HTTP_HOST="127.0.0.1")
    files = []
    for code in codes:
        enterprise = selectors.enterprise_get(uscc=code)
        files.append((enterprise, selectors.credit_file(enterprise=enterprise, today=timezone.localdate())))
    context = {"request": request}

    def drf():
        for enterprise, file in files:
            credit_api.RegistrationSerializer(enterprise, context=context).data  # noqa: B018
            for item in credit_api.section_apis():
                item.serializer(item.rows(file), many=True, context=context).data  # noqa: B018

    def plain():
        for enterprise, file in files:
            plain_serializer(credit_api.RegistrationSerializer).one(enterprise, context)
            for item in credit_api.section_apis():
                plain_serializer(item.serializer).many(item.rows(file), context)

    rows = sum(len(item.rows(file)) for _, file in files for item in credit_api.section_apis())
    for name, run in (("DRF serializers", drf), ("portal.api_plain", plain)):
        best = float("inf")
        for _ in range(3):
            c0 = time.process_time()
            run()
            best = min(best, time.process_time() - c0)
        print(f"{name:18} CPU ms per file {best * 1000 / len(files):6.2f} (registration and sections; "
              f"{rows / len(files):.1f} rows per file)")


if __name__ == "__main__":
    sys.exit(main())
