"""Pages that miss the page cache, through gunicorn: the credit file and the search per term class.

    .venv/bin/python bench/uncached_bench.py [--duration 10] [--connections 4] [--workers 2]
        [--worker-class sync|gthread] [--worker-threads 4]

Every request of a measured endpoint misses the whole-page cache (portal.pagecache) by
construction, with nothing in the product switched off:

- credit file: distinct random enterprises out of the whole table, more of them than the
  run makes requests (wrk's script walks the list in order), in a cache emptied first. The
  other caches (the sections' fragments, the filter drop-downs, the home counts) behave as
  in production: a fragment is cached per file, so it misses too.
- search: the terms of one class, each request with its own `&_=<n>` (a parameter the
  search ignores), so that every request has an address of its own and is rendered: the
  cost of a term nobody asked for in the last PAGE_CACHE_SECONDS.

Term classes: 1 to 4 characters, frequent (科技, 北京, ...), mid-frequency (北京市, 网络科技,
环保科技: tens of thousands of matches), rare (windows of random real names), two terms, a
USCC prefix (8 characters) and an English word of a real name.

gunicorn: bench.settings, DJANGO_DEBUG=0, Redis (BENCH_REDIS_URL, default db 0: the cache on
the next database), `--workers` sync workers. Per endpoint: requests/s, p50/p95/p99, errors
and CPU ms per request of gunicorn, PostgreSQL and Redis (/proc), with the floor measured in
the same sitting. Results: bench/out/uncached.json and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench.common import ROOT, database_url, machine, production_env, save  # noqa: E402
from bench.http_bench import check, free_port, wait_ready  # noqa: E402
from bench.mixed_bench import flush_cache, run_phase  # noqa: E402

FREQUENT = {1: ["科", "京", "贸", "技"], 2: ["科技", "北京", "贸易", "上海"], 4: ["有限公司", "信息技术"]}
MID = {3: ["北京市"], 4: ["网络科技", "环保科技"]}
TWO_TERMS = ["北京 科技", "餐饮 网络", "上海 贸易", "科技 有限公司"]


def sample(url: str, *, files: int, seed: int) -> tuple[list[str], dict[str, list[str]]]:
    rng = random.Random(seed)
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        top = conn.execute("SELECT max(id) FROM credit_enterprise").fetchone()[0]
        ids = rng.sample(range(1, top + 1), min(files + 2000, top))
        rows = conn.execute("SELECT uscc, name, name_en FROM credit_enterprise WHERE id = ANY(%s)",
                            [ids]).fetchall()
    rng.shuffle(rows)
    usccs = [r[0] for r in rows[:files]]
    names = rows[files:]

    def windows(size: int) -> list[str]:
        out = []
        for _, name, _ in names[:400]:
            # Past the region prefix (its characters are among the most frequent).
            start = rng.randrange(min(3, max(0, len(name) - size)), max(1, len(name) - size + 1))
            term = name[start:start + size]
            if len(term) == size:
                out.append(term)
        return out

    classes = {}
    for size in (1, 2, 3, 4):
        if size in FREQUENT:
            classes[f"{size} char, frequent"] = FREQUENT[size]
        if size in MID:
            classes[f"{size} char, mid ({', '.join(MID[size])})"] = MID[size]
        classes[f"{size} char, random windows of real names"] = windows(size)
    classes["two terms"] = TWO_TERMS
    classes["USCC prefix (8)"] = [u[:8] for u, _, _ in names[:400]]
    classes["English word"] = [rng.choice(en.split()) for _, _, en in names[:400] if en]
    return usccs, classes


def search_paths(terms: list[str], count: int) -> list[str]:
    return [f"/search/?q={urllib.parse.quote(terms[i % len(terms)])}&_={i}" for i in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--worker-threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--files", type=int, default=12000, help="distinct enterprises (more than the requests)")
    parser.add_argument("--seed", type=int, default=int(dt.datetime.now(dt.timezone.utc).timestamp()))
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="measure only the endpoints whose name contains TEXT (repeatable; the floor always)")
    parser.add_argument("--out", default="uncached.json", help="file name under bench/out/")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    url = database_url()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    usccs, classes = sample(url, files=args.files, seed=args.seed)
    env = production_env(url, redis_url)
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "portal.wsgi", "--workers", str(args.workers),
               "--worker-class", args.worker_class, "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    if args.worker_class == "gthread":
        # wrk's connections are kept, as a browser's are (the README's production command).
        command += ["--threads", str(args.worker_threads), "--keep-alive", "5"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    load_before = [round(x, 2) for x in os.getloadavg()]
    results: dict[str, dict] = {}
    try:
        wait_ready(base)
        flush_cache(redis_url, env)
        wrk = dict(duration=args.duration, connections=args.connections, threads=1, server_pid=server.pid)
        results["floor"] = run_phase(base, ["/bench/floor/"], **wrk)
        # Warm the filter drop-downs and the process (every later search is a page miss).
        for i in range(4):
            check(base, f"/search/?q=%E7%A7%91&_=warm{i}")
        files = [f"/enterprises/{u}/" for u in usccs]
        def wanted(name: str) -> bool:
            return not args.only or any(text in name for text in args.only)

        checks = {}
        if wanted("credit file (uncached)"):
            results["credit file (uncached)"] = data = run_phase(base, files, **wrk)
            if data["requests"] > len(files):
                data["note"] = "more requests than distinct files: some were hits"
            checks["credit file"] = check(base, files[-1])
        for name, terms in classes.items():
            if wanted(f"search: {name}"):
                results[f"search: {name}"] = run_phase(base, search_paths(terms, 100_000), **wrk)
                checks[name] = check(base, search_paths(terms, 1)[0])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    result = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "workers": args.workers, "worker_class": args.worker_class,
        "worker_threads": args.worker_threads if args.worker_class == "gthread" else None, "connections": args.connections, "duration": args.duration,
        "loadavg_before": load_before, "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "machine": machine(), "results": results, "checks": checks,
        "classes": {name: terms[:6] for name, terms in classes.items()},
    }
    save(args.out, result)
    print(f"Date: {result['date']}; load average {load_before} before, {result['loadavg_after']} after.")
    print("| endpoint | requests/s | p50 ms | p95 ms | p99 ms | errors | gunicorn CPU ms/req | "
          "PostgreSQL CPU ms/req | Redis CPU ms/req |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, d in results.items():
        print(f"| {name} | {d['rps']:,} | {d['p50_ms']} | {d['p95_ms']} | {d['p99_ms']} | {d['errors']} | "
              f"{d['gunicorn_cpu_ms_per_request']} | {d['postgres_cpu_ms_per_request']} | "
              f"{d['redis_cpu_ms_per_request']} |")
    print(json.dumps(checks, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
