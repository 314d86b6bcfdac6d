"""Create a fresh PostgreSQL benchmark database, migrate, load N demo enterprises, time it.

    .venv/bin/python bench/load_demo.py [--enterprises 1000000] [--seed 2026]

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/portal_bench); the
database is dropped and re-created. The timing goes to bench/out/load.json, which
bench/http_bench.py folds into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench.common import PYTHON, ROOT, admin_dsn, database_url, load_average, machine, save  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--processes", type=int, default=None, help="seed_demo --processes (default: one per core)")
    parser.add_argument("--out", default="load.json")
    args = parser.parse_args()

    url = database_url()
    dsn, name = admin_dsn(url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        # A UTF-8 ctype: pg_trgm makes no trigrams from Chinese text under the C ctype.
        conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
                     "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)

    started = time.monotonic()
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    migrated = time.monotonic()
    load_before = load_average()
    command = [PYTHON, "manage.py", "seed_demo", "--enterprises", str(args.enterprises), "--seed", str(args.seed)]
    if args.processes:
        command += ["--processes", str(args.processes)]
    result = subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True)
    finished = time.monotonic()
    print(result.stdout)

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname LIKE 'credit_%' ORDER BY relname"
        ).fetchall()]
        rows = [(t, conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables]
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    data = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "enterprises": args.enterprises,
        "seed": args.seed,
        "migrate_seconds": round(migrated - started, 1),
        "seed_seconds": round(finished - migrated, 1),
        "total_seconds": round(finished - started, 1),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        # seed_demo's own timings: the credit rows, then each demo step.
        "steps": [line.strip() for line in result.stdout.splitlines()
                  if line.startswith("Loaded ") or line.strip().startswith("(") or line.startswith("Demo loaded")],
        "rows": dict(rows),
        "total_rows": sum(n for _, n in rows),
        "database_size": size,
        "machine": machine(),
    }
    path = save(args.out, data)
    print(f"seed_demo of {args.enterprises:,} enterprises: {data['seed_seconds']} s "
          f"(migrate {data['migrate_seconds']} s); {data['total_rows']:,} rows, {size}; written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
