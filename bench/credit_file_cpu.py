"""The CPU of an uncached credit file, in-process: what gunicorn's worker spends, without gunicorn.

    .venv/bin/python bench/credit_file_cpu.py [--requests 300] [--language zh-hans|en|both]
        [--profile out.prof] [--dump DIR] [--seed N] [--repeat 1] [--gc-freeze]

Production settings (bench.settings, DJANGO_DEBUG=0, the cached template loader), the
database of BENCH_DATABASE_URL (default portal_bench) read only, the cache in Redis
(BENCH_CACHE_REDIS_URL, default db 6), emptied first. Each request is a distinct random
enterprise out of the whole table, so it misses the page cache and the sections'
fragment, as in bench/uncached_bench.py; it goes through Django's WSGI handler with every
middleware (the page cache's store included). Per run: CPU ms per request
(time.process_time, the mean and the median), wall ms, queries per request (min, median,
max), and the garbage collector's time per request (--gc-freeze: after a gc.freeze() once the
site is loaded, as gunicorn.conf.py does in each worker). --profile writes cProfile's statistics of the measured requests; --dump writes each
body to DIR/<uscc>.<language>.html (to compare two trees' output).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_url  # noqa: E402

_READ_ONLY = "?options=-c%20default_transaction_read_only%3Don"


def _environ(path: str, language: str) -> dict:
    return {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": language, "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en", "both"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs over fresh samples, reported one by one")
    parser.add_argument("--profile", help="write cProfile statistics of the measured requests here")
    parser.add_argument("--dump", help="write each body to this folder")
    parser.add_argument("--usccs", help="a file of codes, one a line, to request in place of a random sample")
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() once the site is loaded")
    args = parser.parse_args()

    import secrets

    os.environ.update({
        # Read only, whatever the page does: the benchmark's data is never written.
        "DJANGO_SETTINGS_MODULE": "bench.settings", "DATABASE_URL": database_url() + _READ_ONLY, "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64), "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "ERROR",
        "CACHE_REDIS_URL": os.environ.get("BENCH_CACHE_REDIS_URL", "redis://127.0.0.1:6379/6"),
    })
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    import gc

    collected = {"seconds": 0.0, "started": 0.0}

    def collector_timer(phase, info):
        if phase == "start":
            collected["started"] = time.perf_counter()
        else:
            collected["seconds"] += time.perf_counter() - collected["started"]

    gc.callbacks.append(collector_timer)
    from django.core.cache import cache
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    handler = WSGIHandler()
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM credit_enterprise")
        top = cursor.fetchone()[0]
    cache.clear()
    rng = random.Random(args.seed)
    languages = ["zh-hans", "en"] if args.language == "both" else [args.language]
    fixed = Path(args.usccs).read_text().split() if args.usccs else None

    def sample(count: int) -> list[str]:
        if fixed is not None:
            return fixed[:count]
        with connection.cursor() as cursor:
            cursor.execute("SELECT uscc FROM credit_enterprise WHERE id = ANY(%s)",
                           [rng.sample(range(1, top + 1), count + count // 10 + 10)])
            codes = [row[0] for row in cursor.fetchall()]
        rng.shuffle(codes)
        return codes[:count]

    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    def request(uscc: str, language: str) -> tuple[float, float, int, bytes]:
        queries[0] = 0
        body = []
        status = []
        wall, cpu = time.perf_counter(), time.process_time()
        result = handler(_environ(f"/enterprises/{uscc}/", language), lambda s, h, exc=None: status.append(s))
        body = b"".join(result)
        result.close()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if not status[0].startswith("200"):
            raise SystemExit(f"/enterprises/{uscc}/ answered {status[0]}")
        return cpu * 1000, wall * 1000, queries[0], body

    with connection.execute_wrapper(count):
        for uscc in sample(20):  # templates loaded, SQL compiled, connections open
            for language in languages:
                request(uscc, language)
        if args.gc_freeze:
            gc.freeze()
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile(time.process_time)  # CPU, not time spent waiting
        for run in range(args.repeat):
            cpus, walls, counts = [], [], []
            collected["seconds"] = 0.0
            for uscc in sample(args.requests):
                for language in languages:
                    if profiler:
                        profiler.enable()
                    cpu, wall, n, body = request(uscc, language)
                    if profiler:
                        profiler.disable()
                    cpus.append(cpu)
                    walls.append(wall)
                    counts.append(n)
                    if args.dump:
                        Path(args.dump).mkdir(parents=True, exist_ok=True)
                        (Path(args.dump) / f"{uscc}.{language}.html").write_bytes(body)
            counts.sort()
            print(f"run {run + 1}: {len(cpus)} requests ({'/'.join(languages)}), load {os.getloadavg()[0]:.2f}: "
                  f"CPU ms/request mean {statistics.mean(cpus):.2f} median {statistics.median(cpus):.2f}; "
                  f"wall ms median {statistics.median(walls):.2f} p95 {statistics.quantiles(walls, n=20)[-1]:.2f}; "
                  f"queries min {counts[0]} median {counts[len(counts) // 2]} max {counts[-1]}; "
                  f"garbage collector ms/request {collected['seconds'] * 1000 / len(cpus):.3f}"
                  f"{' (frozen)' if args.gc_freeze else ''}", flush=True)
    if profiler:
        profiler.dump_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
