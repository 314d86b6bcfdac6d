"""Python CPU per search page, in-process: cold searches (each its own address, so every one
misses the page cache) through django.test.Client and the whole middleware stack.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench CACHE_REDIS_URL=redis://127.0.0.1:6379/7 \
        .venv/bin/python bench/search_cpu.py [--n 300] [--profile out.prof]

bench.settings with DJANGO_DEBUG=0, as bench/uncached_bench.py serves them. The database is
only read: every connection is made read-only. Prints CPU ms per request (process_time,
which excludes PostgreSQL's and Redis's own time) and queries per request, per term class.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-search-cpu-" + "x" * 40)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("LOG_LEVEL", "ERROR")

CLASSES = {
    "frequent": ["科", "京", "科技", "北京", "贸易", "有限公司"],
    "mid": ["北京市", "网络科技", "环保科技"],
    "two terms": ["北京 科技", "餐饮 网络", "上海 贸易"],
    "English word": ["Guangtong", "Ltd.", "Technology", "Beijing"],
    "filtered": ["q=科技&province=44", "q=科技&status=revoked&risk_class=D", "province=11"],
}


def path(term: str, i: int) -> str:
    import urllib.parse

    if "=" in term:
        return "/search/?" + "&".join(
            f"{k}={urllib.parse.quote(v)}" for k, v in (p.split("=", 1) for p in term.split("&"))) + f"&_={i}"
    return f"/search/?q={urllib.parse.quote(term)}&_={i}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="requests per class")
    parser.add_argument("--lang", default="zh-hans")
    parser.add_argument("--profile", default="")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django
    from django.db.backends.signals import connection_created

    django.setup()

    def read_only(sender, connection, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SET default_transaction_read_only = on")

    connection_created.connect(read_only)
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE=args.lang)
    client.cookies["django_language"] = args.lang
    rng = random.Random(args.seed)
    salt = f"{time.time_ns()}-{rng.randrange(10**9)}"
    for i in range(5):  # warm the process: imports, templates, drop-downs
        client.get(path("科技", f"warm{salt}{i}"))
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
    total_cpu = total_n = 0.0
    for name, terms in CLASSES.items():
        cpu = 0.0
        queries = 0

        def counter(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        for i in range(args.n):
            url = path(terms[i % len(terms)], f"{salt}-{i}")
            with connection.execute_wrapper(counter):
                if profiler:
                    profiler.enable()
                start = time.process_time()
                response = client.get(url)
                cpu += time.process_time() - start
                if profiler:
                    profiler.disable()
            assert response.status_code == 200, (url, response.status_code)
        total_cpu += cpu
        total_n += args.n
        print(f"{name:14s} {cpu / args.n * 1000:6.2f} ms CPU/req  {queries / args.n:.1f} queries/req")
    print(f"{'all':14s} {total_cpu / total_n * 1000:6.2f} ms CPU/req  (n={int(total_n)}, {args.lang}, "
          f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    if profiler:
        profiler.dump_stats(args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
