"""Serve the benchmark database with gunicorn and measure three endpoints with wrk.

    .venv/bin/python bench/http_bench.py [--duration 15] [--connections 4] [--label TEXT]

- credit file:  /enterprises/<USCC>/ of random enterprises
- name search:  /search/?q=<two characters> drawn at random from real names
- annual report: /enterprises/<USCC>/annual-reports/<year>/ of the same enterprises' filed years
- floor:        /bench/floor/, a trivial view behind the same middleware (bench/urls.py)

gunicorn runs with 2 sync workers, DJANGO_DEBUG=0, a generated secret key, on
127.0.0.1 only, against BENCH_DATABASE_URL (default portal_bench; load it first with
bench/load_demo.py), with Redis as the cache only if BENCH_REDIS_URL is set. wrk
(Debian package `wrk`) drives the load from the same machine, for a bounded time per
endpoint. Prints p50/p95 latency, requests/s and each page's
throughput relative to the floor, and writes bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench.common import ROOT, database_url, load, machine, production_env, save  # noqa: E402

# wrk reports its own percentiles; the done() hook prints them as one JSON line.
LUA = """
local paths = {%(paths)s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, ' ..
    '"errors_status": %%d, "errors_other": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sample_reports(url: str, usccs: list[str], seed: int) -> list[str]:
    """The report pages (every version of one year) of the sampled enterprises that filed."""
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        rows = conn.execute(
            "SELECT DISTINCT e.uscc, r.year FROM credit_annualreport r JOIN credit_enterprise e ON e.id = r.enterprise_id"
            " WHERE e.uscc = ANY(%s)", [usccs]).fetchall()
    paths = sorted(f"/enterprises/{uscc}/annual-reports/{year}/" for uscc, year in rows)
    random.Random(seed).shuffle(paths)
    return paths


def sample_inputs(url: str, count: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        total = conn.execute("SELECT max(id) FROM credit_enterprise").fetchone()[0]
        ids = rng.sample(range(1, total + 1), min(count, total))
        rows = conn.execute("SELECT uscc, name FROM credit_enterprise WHERE id = ANY(%s)", [ids]).fetchall()
    usccs = [u for u, _ in rows]
    terms = []
    for _, name in rows:
        start = rng.randrange(0, max(1, len(name) - 1))
        term = name[start : start + 2]
        if len(term) == 2:
            terms.append(term)
    rng.shuffle(usccs)
    rng.shuffle(terms)
    return usccs, terms


def lua_script(paths: list[str]) -> str:
    quoted = ", ".join(json.dumps(p) for p in paths)
    return LUA % {"paths": quoted}


def run_wrk(base: str, paths: list[str], *, duration: int, connections: int, threads: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as fh:
        fh.write(lua_script(paths))
        script = fh.name
    try:
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s", script, base],
            capture_output=True, text=True, check=True, timeout=duration + 30,
        ).stdout
    finally:
        os.unlink(script)
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT "))
    data = json.loads(line[len("RESULT "):])
    seconds = data["duration_us"] / 1e6
    return {
        "requests": data["requests"],
        "rps": round(data["requests"] / seconds, 1),
        "p50_ms": round(data["p50_us"] / 1000, 1),
        "p95_ms": round(data["p95_us"] / 1000, 1),
        "p99_ms": round(data["p99_us"] / 1000, 1),
        "errors": data["errors_status"] + data["errors_other"],
    }


def wait_ready(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/bench/floor/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not become ready")


def check(base: str, path: str) -> tuple[int, int]:
    try:
        with urllib.request.urlopen(base + path, timeout=10) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, 0


BEGIN = "<!-- credit-bench:begin (bench/http_bench.py rewrites this section) -->"
END = "<!-- credit-bench:end -->"


def write_results(result: dict, load_info: dict | None) -> Path:
    path = ROOT / "bench" / "RESULTS.md"
    m = result["machine"]
    lines = [
        BEGIN,
        "## Credit data, credit file and search",
        "",
        "Produced by `bench/load_demo.py` (load) and `bench/http_bench.py` (HTTP); re-run both after changes that",
        "touch the credit file, search or the data model. Targets at 1,000,000 enterprises: credit file p95 <= 50 ms,",
        "name search p95 <= 100 ms.",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu'] or 'unknown CPU'}), {m['ram_gib']} GiB RAM, "
        f"PostgreSQL {m['postgresql']}, Python {m['python']}; shared with other jobs while measuring.",
        "",
    ]
    if load_info:
        rows = load_info["rows"]
        lines += [
            "### Load",
            "",
            f"Date: {load_info['date']}. `seed_demo --enterprises {load_info['enterprises']:,} --seed "
            f"{load_info['seed']}` into a fresh PostgreSQL database (COPY path):",
            "",
            f"- **{load_info['seed_seconds']} s** for {load_info['enterprises']:,} enterprises and "
            f"{load_info['total_rows'] - rows.get('credit_enterprise', 0):,} related rows "
            f"({load_info['total_rows']:,} rows in all, database {load_info['database_size']}); migrate took "
            f"{load_info['migrate_seconds']} s. Target: under 15 minutes.",
            "",
            "| table | rows |",
            "|---|---:|",
        ]
        lines += [f"| {table} | {count:,} |" for table, count in sorted(rows.items())]
        lines.append("")
    lines += [
        "### HTTP",
        "",
        f"Date: {result['date']}. {result['label']}",
        "",
        f"gunicorn {result['workers']} sync workers, DJANGO_DEBUG=0, on 127.0.0.1; wrk {result['threads']} thread(s), "
        f"{result['connections']} connections, {result['duration']} s per endpoint after a "
        f"{result['warmup']} s warm-up, same machine; cache: {result.get('cache', 'per-process memory')}. Data: {result['enterprises']:,} enterprises. "
        f"Inputs: {result['sample']} random enterprises (their USCCs; two-character windows of their names as "
        f"search terms). Load average before the run: {result['loadavg_before']} (other jobs share the cores).",
        "",
        "| endpoint | requests/s | p50 ms | p95 ms | p99 ms | throughput vs floor | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    floor_rps = result["endpoints"]["floor"]["rps"]
    for name, data in result["endpoints"].items():
        ratio = data["rps"] / floor_rps if floor_rps else 0
        lines.append(f"| {name} | {data['rps']:,} | {data['p50_ms']} | {data['p95_ms']} | {data['p99_ms']} | "
                     f"{ratio:.3f} | {data['errors']} |")
    lines += ["", "Sample requests (status, bytes): " + ", ".join(
        f"{name} {status} {size}" for name, (status, size) in result["checks"].items()), ""]
    lines.append(END)
    block = "\n".join(lines) + "\n"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    if BEGIN in text and END in text:
        # Other apps keep their own sections in the same file: replace only ours.
        head, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        text = head + block + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text, encoding="utf-8")
    return path


def serve_and_measure(url: str, endpoints: dict[str, list[str]], args, *, duration: int,
                      extra_env: dict[str, str] | None = None, label_width: int = 12,
                      cold: frozenset[str] = frozenset()):
    """Serve the site with gunicorn (2 sync workers, production settings) on a free port and
    measure each endpoint with wrk (after a warm-up when args.warmup). The endpoints named in
    `cold` warm up on the other end of their list (reversed), so that the measured run, which
    starts at its beginning, asks for nothing the warm-up cached while it has not walked past
    the warm-up's share. Returns the results per endpoint, a sample answer of each, and the
    load average before the first run."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The cache is per worker process unless a Redis is named, as in production.
    env = {**production_env(url, os.environ.get("BENCH_REDIS_URL")), **(extra_env or {})}
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "portal.wsgi", "--workers", "2", "--worker-class", "sync",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    results = {}
    load_before = os.getloadavg()
    try:
        wait_ready(base)
        checks = {name: check(base, paths[0]) for name, paths in endpoints.items()}
        for name, paths in endpoints.items():
            if args.warmup:
                warm = paths[::-1] if name in cold else paths
                run_wrk(base, warm, duration=args.warmup, connections=args.connections, threads=args.threads)
            results[name] = run_wrk(base, paths, duration=duration, connections=args.connections, threads=args.threads)
            print(f"{name:{label_width}} {results[name]['rps']:>8,.1f} req/s  p50 {results[name]['p50_ms']:>6} ms  "
                  f"p95 {results[name]['p95_ms']:>6} ms  errors {results[name]['errors']}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return results, checks, load_before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per endpoint (max 60)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sample", type=int, default=2000, help="random enterprises to draw inputs from")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--label", default="", help="a note written with the figures")
    parser.add_argument("--no-write", action="store_true", help="print the figures only (a smaller or partial run)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    duration = min(args.duration, 60)

    url = database_url()
    usccs, terms = sample_inputs(url, args.sample, args.seed)
    endpoints = {
        "credit file": [f"/enterprises/{u}/" for u in usccs],
        "name search": [f"/search/?q={urllib.parse.quote(t)}" for t in terms],
        "annual report": sample_reports(url, usccs, args.seed),
        "floor": ["/bench/floor/"],
    }

    results, checks, load_before = serve_and_measure(url, endpoints, args, duration=duration)

    floor_rps = results["floor"]["rps"]
    for name, data in results.items():
        print(f"{name:12} throughput vs floor: {data['rps'] / floor_rps:.3f}")
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        enterprises = conn.execute("SELECT count(*) FROM credit_enterprise").fetchone()[0]
    result = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "label": args.label,
        "workers": 2,
        "threads": args.threads,
        "connections": args.connections,
        "duration": duration,
        "warmup": args.warmup,
        "sample": args.sample,
        "enterprises": enterprises,
        "checks": checks,
        "endpoints": results,
        "machine": machine(),
        "loadavg_before": [round(x, 2) for x in load_before],
        "cache": "redis" if os.environ.get("BENCH_REDIS_URL") else "per-process memory",
    }
    if args.no_write:
        return 0
    save("http.json", result)
    print(f"written to {write_results(result, load('load.json'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
