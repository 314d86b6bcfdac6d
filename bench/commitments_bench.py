"""/commitments/ at 1,000,000 letters on PostgreSQL, through gunicorn, uncached, with the floor.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_letters \
        .venv/bin/python bench/commitments_bench.py [--duration 10] [--connections 2] [--workers 2]

Load the database first with bench/commitments_load.py. gunicorn serves bench.settings with
DJANGO_DEBUG=0 and no Redis (the per-process cache). Every measured request misses the whole-page
cache by construction: each carries its own `&_=<n>`, a parameter the list ignores, so each
address is new and rendered (view, queries, template); nothing in the product is switched off.
Endpoints: the first page; kind + agency (random agencies); each state filter; a name search
(a word shared by 20,000 enterprises' names and a rare one); a USCC prefix; a deep page; and
the letter page of random letters (distinct ids, so misses too); then the first page and 20
kind + agency pages as real traffic meets them, the same addresses again, answered from the
whole-page cache after the first request of each. wrk drives the load from the
same machine (bench/mixed_bench.py run_phase: p50/p95/p99 and CPU per request). Results:
bench/out/commitments.json and a Markdown table on stdout, for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
from bench.mixed_bench import run_phase  # noqa: E402


def paths(base: str, count: int) -> list[str]:
    joiner = "&" if "?" in base else "?"
    return [f"{base}{joiner}_={i}" for i in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    url = database_url()
    rng = random.Random(args.seed)
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        agencies = [r[0] for r in conn.execute("SELECT code FROM credit_agency WHERE code LIKE 'BL-%'").fetchall()]
        letters, breaches = conn.execute("SELECT (SELECT count(*) FROM credit_commitmentletter), "
                                         "(SELECT count(*) FROM credit_commitmentbreach)").fetchone()
        top = conn.execute("SELECT max(id) FROM credit_commitmentletter").fetchone()[0]
        enterprise_codes = [r[0] for r in conn.execute(
            "SELECT uscc FROM credit_enterprise WHERE uscc LIKE 'C%' ORDER BY random() LIMIT 200").fetchall()]
    letter_ids = rng.sample(range(1, top + 1), 20_000)
    endpoints = {
        "first page": paths("/commitments/", 100_000),
        "kind + agency": [f"/commitments/?kind=licensing&agency={rng.choice(agencies)}&_={i}" for i in range(100_000)],
        "state: in force": paths("/commitments/?state=in_force", 100_000),
        "state: breached": paths("/commitments/?state=breached", 100_000),
        "state: expired": paths("/commitments/?state=expired", 100_000),
        "state: fulfilled": paths("/commitments/?state=fulfilled", 100_000),
        "kind + state (licensing, breached)": paths("/commitments/?kind=licensing&state=breached", 100_000),
        "search: frequent word (北京, 20% of names)": paths("/commitments/?q=" + urllib.parse.quote("北京"), 100_000),
        "search: one enterprise's name": [
            f"/commitments/?q={urllib.parse.quote('测试' + str(rng.randint(1, 99_999)) + '科技')}&_={i}"
            for i in range(100_000)],
        "search: USCC prefix": [f"/commitments/?q={rng.choice(enterprise_codes)[:12]}&_={i}" for i in range(100_000)],
        "page 20": paths("/commitments/?page=20", 100_000),
        "letter page": [f"/commitments/{pk}/" for pk in letter_ids],
        # As real traffic reaches them: the same addresses again, answered from the whole-page cache.
        "first page, page cache": ["/commitments/"],
        "kind + agency, page cache": [f"/commitments/?kind=licensing&agency={code}" for code in agencies[:20]],
    }
    env = production_env(url, None)
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "portal.wsgi", "--workers", str(args.workers),
         "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    load_before = [round(x, 2) for x in os.getloadavg()]
    results: dict[str, dict] = {}
    try:
        wait_ready(base)
        for i in range(4):
            check(base, f"/commitments/?_=warm{i}")
        wrk = dict(duration=args.duration, connections=args.connections, threads=1, server_pid=server.pid)
        results["floor"] = run_phase(base, ["/bench/floor/"], **wrk)
        for name, addresses in endpoints.items():
            results[name] = run_phase(base, addresses, **wrk)
        results["floor (again)"] = run_phase(base, ["/bench/floor/"], **wrk)
        checks = {name: check(base, addresses[0]) for name, addresses in endpoints.items()}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    result = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "letters": letters, "breaches": breaches, "workers": args.workers, "connections": args.connections,
        "duration": args.duration, "loadavg_before": load_before,
        "loadavg_after": [round(x, 2) for x in os.getloadavg()], "machine": machine(), "results": results,
        "checks": checks,
    }
    save("commitments.json", result)
    print(f"Date: {result['date']}; {letters:,} letters, {breaches:,} breaches; load average {load_before} before, "
          f"{result['loadavg_after']} after.")
    print("| endpoint | requests/s | p50 ms | p95 ms | p99 ms | errors | gunicorn CPU ms/req | PostgreSQL CPU ms/req |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, d in results.items():
        print(f"| {name} | {d['rps']:,} | {d['p50_ms']} | {d['p95_ms']} | {d['p99_ms']} | {d['errors']} | "
              f"{d['gunicorn_cpu_ms_per_request']} | {d['postgres_cpu_ms_per_request']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
