"""Mixed public traffic against production settings: throughput, latency and CPU per request.

    .venv/bin/python bench/mixed_bench.py [--duration 60] [--connections 64] [--workers 2]
        [--worker-class sync|gthread] [--worker-threads 4] [--hot 10000] [--label TEXT]

The mix (fixed weights, a deterministic shuffle of --paths addresses, replayed in a loop by wrk):

| share | what |
|---:|---|
| 65% | credit files of a hot set of `--hot` distinct enterprises drawn at random |
| 22% | searches: 1- to 4-character windows of real names (rare and common alike), frequent terms (科技, 北京市, 网络科技, 环保科技, ...), two-term queries, a filter without a keyword, a USCC prefix, an English word |
| 5% | home |
| 4% | lists: the index and list pages (first and later pages, a region filter) |
| 2% | list entries |
| 2% | inspections: the index and plan pages |

Phases, in one sitting: the framework floor (`/bench/floor/`, a trivial view behind the same
middleware), the mix from an empty cache ("cold": the cache database is flushed first), and the
mix again once every distinct address has been requested once ("warm"). For each phase: requests/s, p50/p95/p99, errors (non-2xx/3xx
and socket errors) and CPU seconds per request spent by gunicorn (master and workers), by
PostgreSQL (the server processes of the benchmark's database, named in their process titles:
other jobs' queries on a shared machine are not counted) and by Redis, read from /proc before and after.

gunicorn serves `bench.settings` (the product's settings plus the floor) with DJANGO_DEBUG=0, a
generated secret key, on 127.0.0.1, against BENCH_DATABASE_URL (default portal_bench) with Redis
(BENCH_REDIS_URL, default redis://127.0.0.1:6379/0: the broker on db 0, the cache on db 1) as in
production. wrk (Debian package `wrk`) drives the load from the same machine. Results go to
bench/out/mixed.json and the "Mixed public traffic" section of bench/RESULTS.md.
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
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench.common import ROOT, database_url, machine, production_env, save  # noqa: E402
from bench.http_bench import check, free_port, run_wrk, wait_ready  # noqa: E402

FREQUENT_TERMS = ["科技", "北京", "北京市", "网络科技", "环保科技", "有限公司", "贸易", "上海", "信息技术", "科"]
TICKS = os.sysconf("SC_CLK_TCK")


def _pids(name: str) -> list[int]:
    out = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True, check=False).stdout
    return [int(p) for p in out.split()]


def _backends(database: str) -> list[int]:
    """The PostgreSQL server processes serving `database` (their process title names it): on
    a machine shared with other jobs, every postgres process would count their queries too."""
    pids = []
    for pid in _pids("postgres"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                title = fh.read().decode("utf-8", "replace")
        except OSError:
            continue
        if f" {database} " in title:
            pids.append(pid)
    return pids


def _tree(root: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(root)], capture_output=True, text=True, check=False).stdout
    return [root, *(int(p) for p in out.split())]


def cpu_by_process(pids: list[int]) -> dict[int, float]:
    """utime + stime per process, children they waited for included (gunicorn restarts none here)."""
    seconds = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a PostgreSQL backend that ended between the listing and the read
        seconds[pid] = (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / TICKS
    return seconds


def cpu_seconds(pids: list[int]) -> float:
    return sum(cpu_by_process(pids).values())


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between two readings: per process alive at the end, what it spent since the
    first reading (all of it if it started since). A process that ended in between (a
    PostgreSQL backend closed at CONN_MAX_AGE) is not counted: an undercount, never the
    negative sum a total over a changing set of processes gives."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def sample_paths(url: str, *, count: int, hot: int, seed: int) -> tuple[list[str], dict[str, int]]:
    rng = random.Random(seed)
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        top = conn.execute("SELECT max(id) FROM credit_enterprise").fetchone()[0]
        ids = rng.sample(range(1, top + 1), min(hot * 2, top))
        rows = conn.execute("SELECT uscc, name, name_en FROM credit_enterprise WHERE id = ANY(%s)", [ids]).fetchall()
        lists = [c for (c,) in conn.execute("SELECT code FROM listings_creditlist ORDER BY code")]
        entries = conn.execute(
            "SELECT l.code, e.id FROM listings_listentry e JOIN listings_creditlist l ON l.id = e.credit_list_id "
            "ORDER BY e.id DESC LIMIT 500").fetchall()
        plans = [n for (n,) in conn.execute("SELECT number FROM inspections_plan WHERE state <> 'draft'")]
        provinces = [c for (c,) in conn.execute(
            "SELECT DISTINCT substr(region_code, 1, 2) FROM credit_enterprise WHERE id = ANY(%s)", [ids[:200]])]
    rows = rows[:hot]
    usccs = [r[0] for r in rows]
    searches = []
    for _, name, name_en in rows[:2000]:
        size = rng.choice((1, 2, 2, 3, 3, 4))
        start = rng.randrange(0, max(1, len(name) - size))
        searches.append(name[start:start + size])
        if name_en and rng.random() < 0.1:
            searches.append(rng.choice(name_en.split()))
    searches += FREQUENT_TERMS * 20
    searches += [f"{rng.choice(FREQUENT_TERMS[:3])} {rng.choice(FREQUENT_TERMS[3:8])}" for _ in range(50)]
    search_paths = [f"/search/?q={urllib.parse.quote(t)}" for t in searches if t.strip()]
    search_paths += [f"/search/?province={p}" for p in provinces[:10]]
    search_paths += [f"/search/?q={u[:8]}" for u in usccs[:50]]
    list_paths = ["/lists/"] + [f"/lists/{c}/" for c in lists] + [f"/lists/{c}/?page=2" for c in lists[:3]]
    list_paths += [f"/lists/{c}/?region={p}" for c in lists[:2] for p in provinces[:3]]
    entry_paths = [f"/lists/{c}/{pk}/" for c, pk in entries] or ["/lists/"]
    plan_paths = ["/inspections/"] + [f"/inspections/plans/{n}/" for n in plans] or ["/inspections/"]
    mix = [
        (65, [f"/enterprises/{u}/" for u in usccs]),
        (22, search_paths),
        (5, ["/"]),
        (4, list_paths),
        (2, entry_paths),
        (2, plan_paths),
    ]
    paths, shares = [], {}
    kinds = ["credit file", "search", "home", "lists", "entries", "inspections"]
    for kind, (weight, pool) in zip(kinds, mix, strict=True):
        n = count * weight // 100
        paths += [rng.choice(pool) for _ in range(n)]
        shares[kind] = n
    rng.shuffle(paths)
    return paths, shares


def run_phase(base: str, paths: list[str], *, duration: int, connections: int, threads: int,
              server_pid: int) -> dict:
    database = database_url().rsplit("/", 1)[1]
    gunicorn_before = cpu_seconds(_tree(server_pid))
    pg_before = cpu_by_process(_backends(database))
    redis_before = cpu_seconds(_pids("redis-server"))
    wall = time.monotonic()
    data = run_wrk(base, paths, duration=duration, connections=connections, threads=threads)
    data["wall_s"] = round(time.monotonic() - wall, 1)
    requests = max(data["requests"], 1)
    data["gunicorn_cpu_ms_per_request"] = round((cpu_seconds(_tree(server_pid)) - gunicorn_before) * 1000 / requests, 3)
    data["postgres_cpu_ms_per_request"] = round(cpu_spent(pg_before, cpu_by_process(_backends(database))) * 1000
                                                / requests, 3)
    data["redis_cpu_ms_per_request"] = round((cpu_seconds(_pids("redis-server")) - redis_before) * 1000 / requests, 3)
    return data


def prime(base: str, paths: list[str], *, threads: int = 8) -> float:
    """Request every distinct address once, so that the warm phase finds every page cached."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    def fetch(path: str) -> None:
        try:
            with urllib.request.urlopen(base + path, timeout=30) as response:
                response.read()
        except OSError:
            pass

    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(fetch, dict.fromkeys(paths)))
    return round(time.monotonic() - started, 1)


def flush_cache(redis_url: str, env: dict) -> None:
    """Empty the cache, then count the home page's totals as the beat task does every few
    minutes in production (credit.home_counts_refresh), so the home page is not left on the
    planner's estimates, which are never cached."""
    import redis

    base, db = redis_url.rsplit("/", 1)
    redis.Redis.from_url(f"{base}/{int(db) + 1}").flushdb()
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "shell", "-c",
                    "from credit.selectors.home import home_counts_refresh; home_counts_refresh()"],
                   cwd=ROOT, env=env, check=True)


BEGIN = "<!-- mixed-bench:begin (bench/mixed_bench.py rewrites this section) -->"
END = "<!-- mixed-bench:end -->"


def write_results(result: dict) -> Path:
    path = ROOT / "bench" / "RESULTS.md"
    m = result["machine"]
    lines = [
        BEGIN,
        "## Mixed public traffic",
        "",
        "Produced by `bench/mixed_bench.py`. Target (issue 9): at least 1,000 requests/s at p95 under 100 ms with no",
        "errors with a warm cache, at 1,000,000 enterprises.",
        "",
        f"Date: {result['date']}. {result['label']}",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu'] or 'unknown CPU'}), {m['ram_gib']} GiB RAM, PostgreSQL "
        f"{m['postgresql']}, Python {m['python']}; shared with other jobs. Load average before: "
        f"{result['loadavg_before']}. Data: {result['enterprises']:,} enterprises.",
        "",
        f"gunicorn {result['workers']} {result['worker_class']} workers"
        + (f" x {result['worker_threads']} threads" if result["worker_class"] == "gthread" else "")
        + f", production settings (DJANGO_DEBUG=0), Redis cache and broker; wrk {result['threads']} threads, "
        f"{result['connections']} connections, {result['duration']} s per phase, same machine. Mix over "
        f"{len(result['paths_sample'])} sampled addresses ({result['distinct']:,} distinct): "
        + ", ".join(f"{k} {v}" for k, v in result["shares"].items()) + f" (hot set {result['hot']:,} enterprises). Cold: the cache flushed, then the mix; warm: every distinct "
        f"address requested once after the cold phase ({result['primed_seconds']} s), then the mix again.",
        "",
        "| phase | requests/s | p50 ms | p95 ms | p99 ms | errors | vs floor | gunicorn CPU ms/req | PostgreSQL CPU ms/req | Redis CPU ms/req |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    floor = result["phases"]["floor"]["rps"] or 1
    for name, d in result["phases"].items():
        lines.append(f"| {name} | {d['rps']:,} | {d['p50_ms']} | {d['p95_ms']} | {d['p99_ms']} | {d['errors']} | "
                     f"{d['rps'] / floor:.3f} | {d['gunicorn_cpu_ms_per_request']} | "
                     f"{d['postgres_cpu_ms_per_request']} | {d['redis_cpu_ms_per_request']} |")
    lines += ["", "Sample requests (status, bytes): " + ", ".join(
        f"{path} {status} {size}" for path, (status, size) in result["checks"].items()), "", END]
    block = "\n".join(lines) + "\n"
    text = path.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        text = head + block + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text, encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--worker-threads", type=int, default=4)
    parser.add_argument("--hot", type=int, default=10_000)
    parser.add_argument("--paths", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--label", default="")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2

    url = database_url()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    paths, shares = sample_paths(url, count=args.paths, hot=args.hot, seed=args.seed)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = production_env(url, redis_url)
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "portal.wsgi", "--workers", str(args.workers),
               "--worker-class", args.worker_class, "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
               "--backlog", "2048"]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.worker_threads), "--keep-alive", "5"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    load_before = [round(x, 2) for x in os.getloadavg()]
    phases = {}
    try:
        wait_ready(base)
        checks = {p: check(base, p) for p in dict.fromkeys(paths[:12])}
        flush_cache(redis_url, env)
        wrk = dict(duration=min(args.duration, 120), connections=args.connections, threads=args.threads,
                   server_pid=server.pid)
        phases["floor"] = run_phase(base, ["/bench/floor/"], **wrk)
        flush_cache(redis_url, env)
        phases["mix, cold cache"] = run_phase(base, paths, **wrk)
        primed = prime(base, paths)
        phases["mix, warm cache"] = run_phase(base, paths, **wrk)
        for name, d in phases.items():
            print(f"{name:18} {d['rps']:>9,.1f} req/s  p50 {d['p50_ms']:>7} p95 {d['p95_ms']:>7} p99 {d['p99_ms']:>7} ms"
                  f"  errors {d['errors']}  CPU ms/req gunicorn {d['gunicorn_cpu_ms_per_request']}"
                  f" pg {d['postgres_cpu_ms_per_request']} redis {d['redis_cpu_ms_per_request']}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        enterprises = conn.execute("SELECT count(*) FROM credit_enterprise").fetchone()[0]
    result = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "label": args.label, "workers": args.workers, "worker_class": args.worker_class,
        "worker_threads": args.worker_threads, "threads": args.threads, "connections": args.connections,
        "duration": min(args.duration, 120), "hot": args.hot, "shares": shares, "paths_sample": paths,
        "enterprises": enterprises, "checks": checks, "phases": phases, "machine": machine(),
        "loadavg_before": load_before, "primed_seconds": primed, "distinct": len(set(paths)),
    }
    save("mixed.json", result)
    if not args.no_write:
        print(f"written to {write_results(result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
