"""Bulk export and change-feed read at the largest size available.

    .venv/bin/python bench/bulk_bench.py [--source portal_bench] [--target portal_bench_bulk] [--timeout 1500]

1. Copies the demo database `--source` (a million enterprises, bench/load_demo.py) into `--target`
   (CREATE DATABASE ... TEMPLATE: the source is never written) and migrates the copy.
2. Emits 10,000 change-feed events set-based (one publication of 10,000 enterprises, through
   credit.changes.change_events_emit in one transaction), timed.
3. Runs `manage.py export_bulk` in a child process, timed, with its peak RSS (getrusage of the
   child), the rows and bytes from the manifest.
4. Serves the copy with gunicorn (2 workers) and reads the 10,000 events through
   /api/v1/changes/ in pages of 1,000, timed, then checks them with the standalone verifier.
Prints a JSON summary and saves it to bench/out/bulk_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, admin_dsn, database_url, load_average, machine, production_env, save  # noqa: E402


def clone(source: str, target: str) -> float:
    import psycopg

    dsn, _ = admin_dsn(database_url())
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}"')
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    return time.perf_counter() - started


def run(args: list[str], env: dict, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)


EMIT = """
import time, django
django.setup()
from django.db import transaction
from credit.changes import change_events_emit
from credit.models import Enterprise, PublicationState
started = time.perf_counter()
with transaction.atomic():
    PublicationState.objects.filter(pk=1).update(changes=PublicationState.objects.get(pk=1).changes + 1)
    ids = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True)[:10000])
    n = change_events_emit(action="bench.enterprise.changed", changed=[Enterprise.objects.filter(pk__in=ids)])
print(n, time.perf_counter() - started)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default="portal_bench")
    parser.add_argument("--target", default="portal_bench_bulk")
    parser.add_argument("--timeout", type=float, default=1500)
    parser.add_argument("--port", default="8765")
    options = parser.parse_args()
    base = database_url().rsplit("/", 1)[0]
    url = f"{base}/{options.target}"
    result: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine(),
                    "load_before": load_average(), "source": options.source}
    result["clone_s"] = round(clone(options.source, options.target), 1)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "portal.settings", "LOG_LEVEL": "ERROR"}
    env.pop("REDIS_URL", None)
    migrate = run([PYTHON, "manage.py", "migrate", "--noinput"], env, 600)
    assert migrate.returncode == 0, migrate.stderr
    emitted = run([PYTHON, "-c", EMIT], env, 600)
    assert emitted.returncode == 0, emitted.stderr
    events, seconds = emitted.stdout.split()
    result["emit_10000_events_s"] = round(float(seconds), 2)
    with tempfile.TemporaryDirectory() as data_root:
        env_export = {**env, "DJANGO_DATA_ROOT": data_root}
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        export = run([PYTHON, "manage.py", "export_bulk", "--quiet-progress"], env_export, options.timeout)
        result["export_s"] = round(time.perf_counter() - started, 1)
        result["export_peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
        result["rss_of_earlier_children_mib"] = round(before / 1024, 1)
        assert export.returncode == 0, export.stderr[-2000:]
        manifest = json.loads(next(Path(data_root).glob("manifest-*.json")).read_text(encoding="utf-8"))
        result["files"] = {f["name"]: {"rows": f["rows"], "bytes": f["bytes"]} for f in manifest["files"]}
        result["snapshot_rows"] = sum(f["rows"] for f in manifest["files"]
                                      if f["kind"] == "snapshot" and f["format"] == "csv")
    gunicorn_env = production_env(url, None)
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "portal.wsgi", "--workers", "2",
                               "--bind", f"127.0.0.1:{options.port}"], env=gunicorn_env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{options.port}/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.3)
        pages, after = [], 0
        started = time.perf_counter()
        while True:
            with urllib.request.urlopen(  # noqa: S310
                    f"http://127.0.0.1:{options.port}/api/v1/changes/?after={after}&limit=1000", timeout=60) as answer:
                page = json.loads(answer.read())
            pages.append(page)
            after = page["next_after"]
            if not page["more"]:
                break
        result["feed_read_s"] = round(time.perf_counter() - started, 3)
        result["feed_events"] = sum(len(p["events"]) for p in pages)
        result["feed_pages"] = len(pages)
    finally:
        server.terminate()
        server.wait(10)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as segment:
        for page in pages:
            for event in page["events"]:
                segment.write(json.dumps(event, ensure_ascii=False) + "\n")
    started = time.perf_counter()
    check = subprocess.run([sys.executable, "-I", "-S", str(ROOT / "credit" / "verify_changes.py"), segment.name],
                           capture_output=True, text=True, check=False)
    result["verify_s"] = round(time.perf_counter() - started, 3)
    result["verify"] = check.stdout.strip()[:80]
    os.unlink(segment.name)
    result["load_after"] = load_average()
    save("bulk_bench.json", result)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
