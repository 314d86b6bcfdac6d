"""Shared helpers for the benchmark scripts (run from the repository root)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def admin_dsn(url: str) -> tuple[str, str]:
    """(DSN of the maintenance database, name of the benchmark database)."""
    base, name = url.rsplit("/", 1)
    return base.replace("postgres://", "postgresql://", 1) + "/postgres", name


def production_env(database: str, redis: str | None) -> dict[str, str]:
    """The environment gunicorn serves a benchmark with: bench.settings (the product's settings
    plus the floor), DEBUG off, a fresh secret key, loopback only, and Redis as broker and cache
    only when `redis` is named (otherwise the per-process cache, as in production without it)."""
    import secrets

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("REDIS_URL", None)
    if redis:
        env["REDIS_URL"] = redis
    return env


def machine() -> dict[str, str]:
    mem_kib = 0
    with open("/proc/meminfo", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    import psycopg

    dsn, _ = admin_dsn(database_url())
    with psycopg.connect(dsn) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    cpu = ""
    try:
        cpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        cpu = next((ln.split(":", 1)[1].strip() for ln in cpu.splitlines() if ln.startswith("Model name")), "")
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram_gib": f"{mem_kib / 1024 / 1024:.1f}",
        "postgresql": pg,
        "python": platform.python_version(),
    }


def load_average() -> list[float]:
    with open("/proc/loadavg", encoding="ascii") as fh:
        return [float(x) for x in fh.read().split()[:3]]


def save(name: str, data: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load(name: str) -> dict | None:
    path = OUT / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
