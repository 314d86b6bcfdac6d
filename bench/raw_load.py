"""The raw SQL baseline for the demo load: the same rows, loaded by plain COPY, timed.

    .venv/bin/python bench/raw_load.py [--source postgres://.../portal_bench] [--target postgres://.../portal_bench_raw]

The source (default BENCH_DATABASE_URL, as bench/load_demo.py) is a database `seed_demo` has
just filled; the target defaults to the source's name with `_raw` appended. Its tables of the apps the demo fills (credit, listings, inspections) and the logins
are dumped to files first (not timed). The target database is dropped, re-created and
migrated (timed apart, as bench/load_demo.py times migrate apart); then, timed: the tables
are emptied, the files go in by COPY with the same settings the demo loader uses (foreign-key
triggers off, secondary indexes dropped before and built after with the same
maintenance_work_mem), the sequences are set, and every table is analysed. That is the least
a load of exactly these rows costs on this machine: what seed_demo costs beyond it is row
generation and the demo steps. The timing goes to bench/out/raw_load.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench.common import PYTHON, ROOT, admin_dsn, database_url, load_average, machine, save  # noqa: E402

APPS = ("credit", "listings", "inspections")
# Logins the demo rows point at (agency staff, enterprise accounts, objections).
EXTRA_TABLES = ("auth_user", "auth_group", "auth_user_groups")


def _dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _tables(conn) -> list[str]:
    pattern = "|".join(APPS)
    rows = conn.execute(
        "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND relname ~ %s ORDER BY relname",
        [f"^({pattern})_"],
    ).fetchall()
    return [r[0] for r in rows] + list(EXTRA_TABLES)


def _columns(conn, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
        "ORDER BY attnum", [table]).fetchall()
    return [r[0] for r in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=database_url())
    parser.add_argument("--target", default=None)
    parser.add_argument("--out", default="raw_load.json")
    args = parser.parse_args()
    args.target = args.target or args.source + "_raw"

    workdir = Path(tempfile.mkdtemp(prefix="raw_load_"))
    with psycopg.connect(_dsn(args.source)) as src:
        tables = _tables(src)
        columns = {t: _columns(src, t) for t in tables}
        counts = {}
        for table in tables:
            cols = ", ".join(f'"{c}"' for c in columns[table])
            with (workdir / f"{table}.copy").open("wb") as fh, src.cursor().copy(
                    f'COPY "{table}" ({cols}) TO STDOUT') as copy:
                for data in copy:
                    fh.write(data)
            counts[table] = src.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    dumped_bytes = sum(p.stat().st_size for p in workdir.iterdir())
    print(f"dumped {sum(counts.values()):,} rows ({dumped_bytes / 2**20:.0f} MiB) from {args.source}")

    dsn, name = admin_dsn(args.target)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
                     "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    env = {**os.environ, "DATABASE_URL": args.target}
    env.pop("REDIS_URL", None)
    started = time.monotonic()
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    migrated = time.monotonic()

    load_before = load_average()
    began = time.monotonic()
    timings: dict[str, float] = {}
    with psycopg.connect(_dsn(args.target)) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET session_replication_role = replica")
        # The reference rows migrate made are in the dump too: start from empty tables.
        conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [tables]).fetchall()
        for index, _definition in indexes:
            conn.execute(f'DROP INDEX "{index}"')
        t = time.monotonic()
        for table in tables:
            cols = ", ".join(f'"{c}"' for c in columns[table])
            with (workdir / f"{table}.copy").open("rb") as fh, conn.cursor().copy(
                    f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                while data := fh.read(1 << 20):
                    copy.write(data)
        timings["copy_seconds"] = round(time.monotonic() - t, 1)
        t = time.monotonic()
        conn.execute("SET maintenance_work_mem = '512MB'")
        for _index, definition in indexes:
            conn.execute(definition)
        timings["index_seconds"] = round(time.monotonic() - t, 1)
        for table in tables:
            if "id" in columns[table]:
                conn.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                             f'coalesce(max(id), 1), max(id) IS NOT NULL) FROM "{table}"')
        conn.execute("SET session_replication_role = origin")
        conn.commit()
        conn.autocommit = True
        t = time.monotonic()
        for table in tables:
            conn.execute(f'ANALYZE "{table}"')
        timings["analyze_seconds"] = round(time.monotonic() - t, 1)
        loaded = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    finished = time.monotonic()
    for path in workdir.iterdir():
        path.unlink()
    workdir.rmdir()
    if loaded != counts:
        print("row counts differ between source and target:", {t: (counts[t], loaded[t]) for t in tables
                                                              if counts[t] != loaded[t]})
        return 1
    data = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "source": args.source.rsplit("/", 1)[1],
        "target": name,
        "migrate_seconds": round(migrated - started, 1),
        "load_seconds": round(finished - began, 1),
        **timings,
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "rows": loaded,
        "total_rows": sum(loaded.values()),
        "dumped_mib": round(dumped_bytes / 2**20),
        "database_size": size,
        "machine": machine(),
    }
    path = save(args.out, data)
    print(f"raw COPY load of {data['total_rows']:,} rows: {data['load_seconds']} s (copy {timings['copy_seconds']} s, "
          f"indexes {timings['index_seconds']} s, analyze {timings['analyze_seconds']} s; migrate "
          f"{data['migrate_seconds']} s apart); {size}; written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
