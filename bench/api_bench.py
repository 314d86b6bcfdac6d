"""Serve the benchmark database with gunicorn and measure the public read API beside the floor.

    .venv/bin/python bench/api_bench.py [--duration 10] [--connections 4] [--label TEXT]

- API enterprise list: /api/v1/enterprises/?q=<two characters> drawn from real names (the site's bounded search)
- API credit file:     /api/v1/enterprises/<USCC>/ of random enterprises (the whole file as JSON)
- site credit file:    /enterprises/<USCC>/ of the same enterprises (the page, for comparison)
- floor:               /bench/floor/, a trivial view behind the same middleware (bench/urls.py)

As bench/http_bench.py: gunicorn with 2 sync workers, DJANGO_DEBUG=0, on 127.0.0.1, against
BENCH_DATABASE_URL (default portal_bench), Redis as the cache only if BENCH_REDIS_URL is set,
wrk on the same machine. The API's per-address limit is raised for the run (API_ANON_RATE; wrk
is one client): each request still pays its counter. Writes its own section of bench/RESULTS.md.

    .venv/bin/python bench/api_bench.py --tree before=/path/to/base --tree after=. [--rounds 2]

compares checkouts instead (each with its .venv): the cold API credit file and the floor of
each tree in turn, round after round, with the CPU per request of its gunicorn workers and of
PostgreSQL (bench/out/api-trees.json; the figures are printed, not written to RESULTS.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench.common import ROOT, database_url, machine, save  # noqa: E402
from bench.http_bench import sample_inputs, serve_and_measure  # noqa: E402

BEGIN = "<!-- api-bench:begin (bench/api_bench.py rewrites this section) -->"
END = "<!-- api-bench:end -->"


def write_results(result: dict) -> Path:
    path = ROOT / "bench" / "RESULTS.md"
    m = result["machine"]
    lines = [
        BEGIN,
        "## Public read API",
        "",
        "Produced by `bench/api_bench.py`. Target: the API's credit file p95 under 30 ms.",
        "",
        f"Date: {result['date']}. {result['label']}",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu'] or 'unknown CPU'}), {m['ram_gib']} GiB RAM, PostgreSQL "
        f"{m['postgresql']}; shared with other jobs while measuring (load average before: {result['loadavg_before']}).",
        f"gunicorn 2 sync workers, DJANGO_DEBUG=0; wrk {result['threads']} thread(s), {result['connections']} "
        f"connections, {result['duration']} s per endpoint after a {result['warmup']} s warm-up; cache: "
        f"{result['cache']}. Data: {result['enterprises']:,} enterprises. Inputs: {result['sample']} random "
        "enterprises (their codes; two-character windows of their names as search terms), cycled, so an input "
        "comes back after the sample is used up: the first request of an input renders it, a later one of the "
        "same worker is answered from the body kept under its ETag (portal/api.py). The rows marked `hot` "
        "cycle over the first inputs only, as traffic with a hot set does: after the warm-up they are answered "
        "from the cache (shared by both workers when it is Redis).",
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
        f"{name} {status} {size}" for name, (status, size) in result["checks"].items()), "", END]
    block = "\n".join(lines) + "\n"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        text = head + block + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text, encoding="utf-8")
    return path


def compare_trees(url: str, trees: list[tuple[str, Path]], usccs: list[str], args) -> list[dict]:
    """The cold API credit file and the floor of each tree in turn, round after round (the
    runs compared are seconds apart), each tree served by its own gunicorn (started one at a
    time, stopped after its run), with the CPU per request of its gunicorn workers and of the
    PostgreSQL backends of the benchmark database from /proc: on a shared machine the CPU per
    request is the figure that does not follow the other jobs' load. Every run has its own
    enterprises (none served from the kept body nor from buffers an earlier run warmed)."""
    import signal
    import subprocess

    from bench.common import production_env
    from bench.http_bench import check, free_port, run_wrk, wait_ready
    from bench.mixed_bench import _backends, _tree, cpu_by_process, cpu_seconds, cpu_spent

    database = url.rsplit("/", 1)[1]
    runs, chunk = [], len(usccs) // (args.rounds * len(trees))
    for number in range(args.rounds):
        for index, (label, tree) in enumerate(trees):
            offset = (number * len(trees) + index) * chunk
            paths = {"API credit file": [f"/api/v1/enterprises/{u}/" for u in usccs[offset: offset + chunk]],
                     "floor": ["/bench/floor/"]}
            env = {**production_env(url, os.environ.get("BENCH_REDIS_URL")), "API_ANON_RATE": "1000000000",
                   "CACHE_KEY_PREFIX": f"api-compare-{label}-{number}-{os.getpid()}"}
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            subprocess.run([str(tree / ".venv" / "bin" / "python"), "manage.py", "collectstatic", "--noinput",
                            "-v0"], cwd=tree, env=env, check=True)
            server = subprocess.Popen(
                [str(tree / ".venv" / "bin" / "gunicorn"), "portal.wsgi", "--workers", "2", "--worker-class", "sync",
                 "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
                cwd=tree, env={**env, "DJANGO_SETTINGS_MODULE": "bench.settings"}, start_new_session=True)
            try:
                wait_ready(base)
                for name, endpoint_paths in paths.items():
                    status = check(base, endpoint_paths[0])
                    if args.warmup:
                        run_wrk(base, endpoint_paths[-50:], duration=args.warmup, connections=args.connections,
                                threads=args.threads)
                    load = os.getloadavg()[0]
                    gunicorn_before = cpu_seconds(_tree(server.pid))
                    pg_before = cpu_by_process(_backends(database))
                    data = run_wrk(base, endpoint_paths[:-50] if len(endpoint_paths) > 100 else endpoint_paths,
                                   duration=args.duration, connections=args.connections, threads=args.threads)
                    requests = max(data["requests"], 1)
                    data.update(
                        tree=label, round=number + 1, endpoint=name, status=status, load=round(load, 2),
                        gunicorn_cpu_ms=round((cpu_seconds(_tree(server.pid)) - gunicorn_before) * 1000 / requests, 2),
                        postgres_cpu_ms=round(cpu_spent(pg_before, cpu_by_process(_backends(database))) * 1000
                                              / requests, 2))
                    runs.append(data)
                    print(f"round {number + 1} {label:8} {name:16} {data['rps']:>8,.1f} req/s  p50 {data['p50_ms']:>6} "
                          f"p95 {data['p95_ms']:>6} ms  gunicorn {data['gunicorn_cpu_ms']} ms CPU/request  "
                          f"PostgreSQL {data['postgres_cpu_ms']}  load {data['load']}  {status}", flush=True)
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint (max 60)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sample", type=int, default=12000,
                        help="random enterprises (more than a cold run and its warm-up ask for)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hot", type=int, default=200,
                        help="enterprises of the hot set (endpoints measured again over them: warm cache)")
    parser.add_argument("--label", default="")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--tree", action="append", default=[], metavar="LABEL=PATH",
                        help="compare trees instead (cold API credit file and floor, CPU per request); repeat")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    duration = min(args.duration, 60)
    url = database_url()
    usccs, terms = sample_inputs(url, args.sample, args.seed)
    if args.tree:
        trees = [(label, Path(path).resolve()) for label, path in (item.split("=", 1) for item in args.tree)]
        runs = compare_trees(url, trees, usccs, args)
        save("api-trees.json", {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                                "runs": runs, "machine": machine(), "connections": args.connections,
                                "duration": duration, "trees": [[label, str(path)] for label, path in trees]})
        return 0
    endpoints = {
        "API enterprise list": [f"/api/v1/enterprises/?q={urllib.parse.quote(t)}" for t in terms],
        "API credit file": [f"/api/v1/enterprises/{u}/" for u in usccs],
        "site credit file": [f"/enterprises/{u}/" for u in usccs],
    }
    if args.hot:
        # A hot set, as real traffic has: after the warm-up its answers come from the cache.
        endpoints[f"API credit file, {args.hot} hot"] = [f"/api/v1/enterprises/{u}/" for u in usccs[: args.hot]]
        endpoints[f"API enterprise list, {args.hot} hot"] = [
            f"/api/v1/enterprises/?q={urllib.parse.quote(t)}" for t in terms[: args.hot]]
    endpoints["floor"] = ["/bench/floor/"]
    # The API's own limit would refuse a benchmark's traffic from one address.
    # The cold endpoints walk a sample larger than they can ask in the run (--sample), and warm up
    # from its other end: every measured request misses the cache.
    cold = frozenset({"API enterprise list", "API credit file", "site credit file"})
    results, checks, load_before = serve_and_measure(url, endpoints, args, duration=duration,
                                                     extra_env={"API_ANON_RATE": "1000000000"}, label_width=20,
                                                     cold=cold)
    for name in cold:
        if results[name]["requests"] + args.warmup * results[name]["rps"] > len(endpoints[name]):
            results[name]["note"] = "the run and its warm-up asked for more addresses than the sample has: some were hits"
            print(f"{name}: {results[name]['note']} (raise --sample)")
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        enterprises = conn.execute("SELECT count(*) FROM credit_enterprise").fetchone()[0]
    result = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "label": args.label,
        "threads": args.threads, "connections": args.connections, "duration": duration, "warmup": args.warmup,
        "sample": args.sample, "enterprises": enterprises, "checks": checks, "endpoints": results,
        "machine": machine(), "loadavg_before": [round(x, 2) for x in load_before],
        "cache": "redis" if os.environ.get("BENCH_REDIS_URL") else "per-process memory",
    }
    if args.no_write:
        return 0
    save("api.json", result)
    print(f"written to {write_results(result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
