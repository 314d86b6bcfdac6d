"""Measure several code trees in one sitting against the same benchmark database.

    .venv/bin/python bench/compare_trees.py --tree before=/work/wt-base --tree after=/work/main \
        [--rounds 2] [--duration 15] [--warmup 3] [--connections 4] [--label TEXT] [--harness-check]

For every tree (a checkout of the project with its .venv; the harness's own bench/ is
used, never the trees'): the floor (/bench/floor/, added by bench/overlay/bench_overlay_urls.py
in front of the tree's own URLs, so the trees need no bench code), the uncached credit file
of random enterprises and name searches of two-character terms, each through gunicorn
(2 sync workers, DJANGO_DEBUG=0, 127.0.0.1) driven by wrk; plus the SQL queries of the
credit-file page for a sample of rich, plain and random enterprises (test Client with
CaptureQueriesContext, in a subprocess inside each tree).

A sitting:
1. inputs are drawn once, before any migration, from BENCH_DATABASE_URL (default
   portal_bench, loaded by bench/load_demo.py): for each (round, tree) its own enterprises,
   never used by another run, so no request is served from the cache nor from pages that
   an earlier run brought into PostgreSQL's buffers; one list of search terms, the same
   for every run;
2. each tree, in the order given, is migrated only if it has migrations the database
   lacks (`migrate --check`, then a plain `migrate`, which never unapplies anything; a
   tree whose migrations are all applied is left alone, and older code ignores columns it
   does not know), all before the first measurement, so every round sees the same schema;
   after any migration the database is vacuumed and analyzed;
3. each tree gets a build directory under bench/out/trees/<label>/ with its static files
   collected and its catalogues compiled (nothing is written into the trees);
4. the query counts, then one gunicorn per tree (all started at once, idle when not
   measured), then for each round and endpoint the trees in turn (floor: before, after;
   credit file: before, after; search: before, after; next round the same, or reversed
   with --order abba), so the runs compared are seconds apart. Before each run the bench
   cache (BENCH_REDIS_URL, default Redis db 9, key prefix per tree) is flushed, then a
   warm-up and a measured wrk run. Around every measured run the harness samples /proc
   for the CPU time of the tree's gunicorn workers and of the PostgreSQL backends (and
   their parallel workers) serving the benchmark database, the machine's busy time, and
   the load average. On a shared machine the CPU per request and the query counts are
   the figures to compare; requests/s and latency follow the other jobs' load.
5. bench/out/compare-<time>.json holds everything; a dated section goes into
   bench/RESULTS.md below the credit-bench section, newest first (earlier ones are kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import secrets
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench.common import OUT, ROOT, admin_dsn, database_url, machine, save  # noqa: E402
from bench.http_bench import check, free_port, run_wrk, wait_ready  # noqa: E402

OVERLAY = ROOT / "bench" / "overlay"
RESULTS = ROOT / "bench" / "RESULTS.md"
ANCHOR = "<!-- compare-trees: bench/compare_trees.py adds its dated sections below, newest first -->"
CREDIT_END = "<!-- credit-bench:end -->"
ENDPOINTS = ("floor", "credit file", "name search")
CLK_TCK = os.sysconf("SC_CLK_TCK")
DEFAULT_REDIS = "redis://127.0.0.1:6379/9"


# --- trees --------------------------------------------------------------------


class Tree:
    def __init__(self, label: str, path: Path, base_settings: str, wsgi: str):
        self.label = label
        self.path = path
        self.build = OUT / "trees" / label
        venv = path / ".venv" / "bin"
        self.python = str(venv / "python") if (venv / "python").exists() else sys.executable
        self.gunicorn = str(venv / "gunicorn") if (venv / "gunicorn").exists() else shutil.which("gunicorn")
        self.base_settings = base_settings
        self.wsgi = wsgi
        self.server: subprocess.Popen | None = None
        self.base = ""

    def env(self, url: str, *, redis: str, secret: str, prefix: str) -> dict[str, str]:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(self.path), str(OVERLAY)]),
            "DJANGO_SETTINGS_MODULE": "bench_overlay_settings",
            "BENCH_BASE_SETTINGS": self.base_settings,
            "BENCH_TREE_BUILD": str(self.build),
            "BENCH_CACHE_PREFIX": prefix,
            "DATABASE_URL": url,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secret,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "ERROR",
        }
        env.pop("REDIS_URL", None)
        if redis:
            env["REDIS_URL"] = redis
        return env

    def manage(self, env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([self.python, "manage.py", *args], cwd=self.path, env=env, capture_output=True,
                              text=True)
        if check and done.returncode:
            raise RuntimeError(f"{self.label}: manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done

    def revision(self) -> str:
        def git(*args: str) -> str:
            return subprocess.run(["git", "-C", str(self.path), *args], capture_output=True, text=True).stdout.strip()

        rev = git("rev-parse", "--short", "HEAD") or "unknown"
        subject = git("log", "-1", "--format=%s")
        dirty = git("status", "--porcelain")
        return f"{rev}{' + uncommitted changes' if dirty else ''} ({subject})"

    def prepare(self, env: dict) -> None:
        """Static files and compiled catalogues in the harness's build directory."""
        locale_paths = json.loads(subprocess.run(
            [self.python, "-c", "import json, bench_overlay_settings as s; "
                                "print(json.dumps([str(p) for p in s._base.LOCALE_PATHS]))"],
            cwd=self.path, env=env, check=True, capture_output=True, text=True).stdout)
        shutil.rmtree(self.build, ignore_errors=True)
        for i, source in enumerate(locale_paths):
            if Path(source).is_dir():
                shutil.copytree(source, self.build / "locale" / str(i), ignore=shutil.ignore_patterns("*.mo"))
        done = self.manage(env, "compiletranslations", "--verbosity", "0", check=False)
        if done.returncode:
            done = self.manage(env, "compilemessages", "--verbosity", "0", check=False)
        if done.returncode:
            raise RuntimeError(f"{self.label}: compiling the catalogues failed:\n{done.stderr[-2000:]}")
        self.manage(env, "collectstatic", "--noinput", "--verbosity", "0")

    def migrate_if_behind(self, env: dict) -> str:
        """Forward-only: migrate only when this tree has migrations the database lacks."""
        if self.manage(env, "migrate", "--check", "--noinput", check=False).returncode == 0:
            return ""
        plan = self.manage(env, "migrate", "--plan", "--noinput").stdout
        names = [ln.strip() for ln in plan.splitlines() if ln.strip() and not ln[0].isspace() and ":" not in ln]
        started = time.monotonic()
        self.manage(env, "migrate", "--noinput")
        return f"{', '.join(names) or plan.strip()} ({time.monotonic() - started:.1f} s)"

    def start(self, env: dict, workers: int) -> None:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        command = [self.gunicorn, self.wsgi, "--workers", str(workers), "--worker-class", "sync",
                   "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
        # gunicorn >= 27 opens a control socket at one fixed path per user: servers running
        # side by side (ours, other people's) must not fight over it.
        if "--no-control-socket" in subprocess.run([self.gunicorn, "--help"], capture_output=True, text=True).stdout:
            command.append("--no-control-socket")
        self.server = subprocess.Popen(
            command,
            cwd=self.path, env=env, start_new_session=True,
        )

    def stop(self) -> None:
        if self.server and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait()


# --- inputs -------------------------------------------------------------------


def pg(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def enterprise_tables(conn) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t "
        "USING (table_schema, table_name) WHERE c.table_schema = 'public' AND c.column_name = 'enterprise_id' "
        "AND t.table_type = 'BASE TABLE' ORDER BY 1").fetchall()]


def query_sample(conn, rng: random.Random, per_kind: int, max_id: int) -> dict[str, list[str]]:
    """Rich: enterprises with rows in the most tables that point at an enterprise (ties
    drawn at random); plain: the fewest such tables among 3,000 random enterprises;
    random: any."""
    tables = enterprise_tables(conn)
    union = " UNION ALL ".join(f'SELECT DISTINCT enterprise_id FROM "{t}"' for t in tables)
    salt = str(rng.random())
    rich = [r[0] for r in conn.execute(
        f"SELECT enterprise_id FROM ({union}) s GROUP BY 1 ORDER BY count(*) DESC, md5(enterprise_id::text || %s) "
        "LIMIT %s", [salt, per_kind]).fetchall()]
    ids = rng.sample(range(1, max_id + 1), 3000)
    scores = dict.fromkeys(ids, 0)
    for t in tables:
        for (eid,) in conn.execute(f'SELECT DISTINCT enterprise_id FROM "{t}" WHERE enterprise_id = ANY(%s)', [ids]):
            scores[eid] += 1
    existing = {r[0] for r in conn.execute("SELECT id FROM credit_enterprise WHERE id = ANY(%s)", [ids])}
    ordered = sorted((eid for eid in ids if eid in existing), key=lambda eid: scores[eid])
    plain = ordered[:per_kind]
    randoms = [eid for eid in ids if eid in existing and eid not in plain][:per_kind]
    sample = {"rich": rich, "plain": plain, "random": randoms}
    usccs = dict(conn.execute("SELECT id, uscc FROM credit_enterprise WHERE id = ANY(%s)",
                              [rich + plain + randoms]).fetchall())
    return {kind: [usccs[eid] for eid in eids] for kind, eids in sample.items()}


def draw_inputs(url: str, args, slots: int) -> dict:
    rng = random.Random(args.seed)
    with psycopg.connect(pg(url)) as conn:
        max_id, count = conn.execute("SELECT max(id), count(*) FROM credit_enterprise").fetchone()
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        queries = query_sample(conn, rng, args.query_sample, max_id)
        taken = {u for usccs in queries.values() for u in usccs}
        per_slot = args.per_run + args.warmup_per_run
        wanted = slots * per_slot
        ids = rng.sample(range(1, max_id + 1), min(max_id, int(wanted * 1.05) + len(taken) + 100))
        rows = dict(conn.execute("SELECT id, uscc FROM credit_enterprise WHERE id = ANY(%s)", [ids]).fetchall())
        usccs = [rows[i] for i in ids if i in rows and rows[i] not in taken][:wanted]
        if len(usccs) < wanted:
            raise RuntimeError(f"only {len(usccs):,} enterprises for {wanted:,} distinct credit files")
        names = [r[0] for r in conn.execute(
            "SELECT name FROM credit_enterprise WHERE id = ANY(%s)",
            [rng.sample(range(1, max_id + 1), min(max_id, args.terms))]).fetchall()]
    terms = []
    for name in names:
        start = rng.randrange(0, max(1, len(name) - 1))
        term = name[start : start + 2]
        if len(term) == 2 and not term.isspace():
            terms.append(term)
    rng.shuffle(terms)
    credit = []
    for s in range(slots):
        chunk = usccs[s * per_slot : (s + 1) * per_slot]
        credit.append({"warmup": chunk[: args.warmup_per_run], "measure": chunk[args.warmup_per_run :]})
    return {"enterprises": count, "database_size": size, "queries": queries, "credit": credit, "terms": terms}


# --- CPU accounting -------------------------------------------------------------


def proc_stat(pid: int) -> tuple[int, int, int] | None:
    """(ppid, utime+stime in ticks, start time) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            rest = fh.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[19])


def children(pid: int) -> list[int]:
    """Child processes of pid (every thread's), from /proc, or by scanning /proc."""
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                found.extend(int(c) for c in fh.read().split())
        return found
    except FileNotFoundError:
        return [int(e) for e in os.listdir("/proc") if e.isdigit() and (proc_stat(int(e)) or (0,))[0] == pid]
    except OSError:
        return found


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def machine_busy() -> tuple[int, int]:
    """(busy ticks, all ticks) of every CPU since boot."""
    with open("/proc/stat", encoding="ascii") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values[:8]) - idle, sum(values[:8])


class CpuSampler:
    """Follows, every `interval` seconds, the CPU time of the gunicorn workers (children
    of the master) and of the PostgreSQL backends connected to the benchmark database
    (children of the postmaster titled with that database, and parallel workers of such
    a backend). A process that appears is counted from zero; one that ends keeps its last
    sample (so at most `interval` of its time is lost)."""

    def __init__(self, master: int, postmaster: int, dbname: str, interval: float = 0.1):
        self.master, self.postmaster, self.dbname, self.interval = master, postmaster, dbname, interval
        self.first: dict[tuple[int, int], tuple[str, int]] = {}
        self.last: dict[tuple[int, int], tuple[str, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _scan(self) -> dict[tuple[int, int], tuple[str, int]]:
        found: dict[tuple[int, int], tuple[str, int]] = {}
        backends: dict[int, tuple[int, int]] = {}
        parallel: list[tuple[tuple[int, int], int, str]] = []
        for pid in children(self.master):
            stat = proc_stat(pid)
            if stat and stat[0] == self.master:
                found[(pid, stat[2])] = ("gunicorn", stat[1])
        for pid in children(self.postmaster):
            stat = proc_stat(pid)
            if stat is None or stat[0] != self.postmaster:
                continue
            title = cmdline(pid)
            if f" {self.dbname} " in title:
                backends[pid] = (stat[2], stat[1])
            elif "parallel worker for PID" in title:
                parallel.append(((pid, stat[2]), stat[1], title))
        for pid, (start, ticks) in backends.items():
            found[(pid, start)] = ("postgres", ticks)
        for key, ticks, title in parallel:
            leader = title.rsplit("PID", 1)[1].split()[0]
            if leader.isdigit() and int(leader) in backends:
                found[key] = ("postgres", ticks)
        return found

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.last.update(self._scan())

    def __enter__(self):
        self.first = self._scan()
        self.last = dict(self.first)
        self.busy0 = machine_busy()
        self.load0 = os.getloadavg()
        self.children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.t0 = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.last.update(self._scan())
        self._stop.set()
        self._thread.join()
        self.seconds = time.monotonic() - self.t0
        busy1 = machine_busy()
        self.load1 = os.getloadavg()
        children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu = {"gunicorn": 0.0, "postgres": 0.0}
        for key, (kind, ticks) in self.last.items():
            before = self.first.get(key, (kind, 0))[1]
            self.cpu[kind] += (ticks - before) / CLK_TCK
        self.cpu["wrk"] = (children1.ru_utime + children1.ru_stime) - (self.children0.ru_utime + self.children0.ru_stime)
        busy, total = busy1[0] - self.busy0[0], busy1[1] - self.busy0[1]
        cores = os.cpu_count() or 1
        self.machine_cores = busy / total * cores if total else 0.0
        self.other_cores = max(0.0, self.machine_cores - sum(self.cpu.values()) / self.seconds)
        return False


def postmaster_pid(url: str) -> int:
    with psycopg.connect(pg(url)) as conn:
        stat = proc_stat(conn.execute("SELECT pg_backend_pid()").fetchone()[0])
    if stat is None:
        raise RuntimeError("cannot read the PostgreSQL backend's /proc entry (is the server on this machine?)")
    return stat[0]


# --- the sitting ----------------------------------------------------------------


def flush_cache(redis_url: str) -> None:
    if not redis_url:
        return
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()


def measure_queries(tree: Tree, env: dict, sample: dict[str, list[str]]) -> dict:
    qenv = {**env}
    qenv.pop("REDIS_URL", None)  # the page's SQL does not depend on the cache backend
    usccs = [u for kind in sample.values() for u in kind]
    done = subprocess.run([tree.python, str(OVERLAY / "bench_overlay_queries.py")], cwd=tree.path, env=qenv,
                          input=json.dumps(usccs), capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{tree.label}: query count failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def paths_for(endpoint: str, inputs: dict, slot: int, part: str) -> list[str]:
    if endpoint == "floor":
        return ["/bench/floor/"]
    if endpoint == "credit file":
        return [f"/enterprises/{u}/" for u in inputs["credit"][slot][part]]
    return [f"/search/?q={urllib.parse.quote(t)}" for t in inputs["terms"]]


def run_sitting(args, trees: list[Tree]) -> dict:
    url = database_url()
    dbname = admin_dsn(url)[1]
    redis_url = "" if args.redis == "none" else args.redis
    slots = args.rounds * len(trees)
    started_at = dt.datetime.now(dt.timezone.utc)
    load_start = os.getloadavg()
    print(f"load average {load_start}; drawing inputs from {dbname} ...", flush=True)
    t0 = time.monotonic()
    inputs = draw_inputs(url, args, slots)
    print(f"  {inputs['enterprises']:,} enterprises; {slots} x {args.per_run:,} credit files, "
          f"{len(inputs['terms']):,} terms ({time.monotonic() - t0:.0f} s)", flush=True)
    secret = secrets.token_urlsafe(64)
    run_id = secrets.token_hex(4)
    envs = {t.label: t.env(url, redis=redis_url, secret=secret, prefix=f"bench-{run_id}-{t.label}") for t in trees}

    info: dict[str, dict] = {}
    for tree in trees:
        env = envs[tree.label]
        print(f"[{tree.label}] {tree.path}: {tree.revision()}", flush=True)
        migrated = tree.migrate_if_behind(env)
        if migrated:
            print(f"[{tree.label}] migrated:\n{migrated}", flush=True)
        tree.prepare(env)
        info[tree.label] = {"path": str(tree.path), "revision": tree.revision(), "migrated": migrated}
    if any(data["migrated"] for data in info.values()):
        # A migration may rewrite tables: vacuum and analyze now rather than have
        # autovacuum start during the runs, and let every tree meet the same statistics.
        started = time.monotonic()
        with psycopg.connect(pg(url), autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")
        print(f"VACUUM (ANALYZE) after the migrations: {time.monotonic() - started:.0f} s", flush=True)
    for tree in trees:
        print(f"[{tree.label}] SQL queries per credit file ...", flush=True)
        info[tree.label]["queries"] = measure_queries(tree, envs[tree.label], inputs["queries"])

    postmaster = postmaster_pid(url)
    runs: list[dict] = []
    try:
        for tree in trees:
            tree.start(envs[tree.label], args.workers)
        for tree in trees:
            wait_ready(tree.base, timeout=60)
            info[tree.label]["checks"] = {
                name: check(tree.base, paths_for(name, inputs, 0, "warmup")[0]) for name in ENDPOINTS}
        for rnd in range(args.rounds):
            # Each endpoint is measured on the trees back to back, so the runs compared
            # are seconds apart; abba reverses the trees' order every other round.
            order = list(enumerate(trees))
            if args.order == "abba" and rnd % 2:
                order.reverse()
            for endpoint in ENDPOINTS:
                for i, tree in order:
                    slot = rnd * len(trees) + i
                    flush_cache(redis_url)
                    if args.warmup:
                        run_wrk(tree.base, paths_for(endpoint, inputs, slot, "warmup"), duration=args.warmup,
                                connections=args.connections, threads=args.threads)
                    paths = paths_for(endpoint, inputs, slot, "measure")
                    with CpuSampler(tree.server.pid, postmaster, dbname) as cpu:
                        result = run_wrk(tree.base, paths, duration=args.duration, connections=args.connections,
                                         threads=args.threads)
                    n = max(1, result["requests"])
                    result.update({
                        "round": rnd + 1, "tree": tree.label, "endpoint": endpoint,
                        "distinct_inputs": len(paths),
                        "repeats": endpoint != "floor" and result["requests"] > len(paths),
                        "gunicorn_cpu_ms": round(cpu.cpu["gunicorn"] / n * 1000, 3),
                        "postgres_cpu_ms": round(cpu.cpu["postgres"] / n * 1000, 3),
                        "cpu_seconds": {k: round(v, 2) for k, v in cpu.cpu.items()},
                        "machine_cores_busy": round(cpu.machine_cores, 2),
                        "other_cores_busy": round(cpu.other_cores, 2),
                        "loadavg_start": [round(x, 2) for x in cpu.load0],
                        "loadavg_end": [round(x, 2) for x in cpu.load1],
                    })
                    runs.append(result)
                    print(f"round {rnd + 1} {tree.label:>8} {endpoint:12} {result['rps']:>8,.1f} req/s  "
                          f"p50 {result['p50_ms']:>6} p95 {result['p95_ms']:>6} p99 {result['p99_ms']:>6} ms  "
                          f"err {result['errors']}  cpu/req gunicorn {result['gunicorn_cpu_ms']} ms "
                          f"pg {result['postgres_cpu_ms']} ms  others {result['other_cores_busy']} cores  "
                          f"load {result['loadavg_start'][0]}", flush=True)
    finally:
        for tree in trees:
            tree.stop()
        flush_cache(redis_url)
    return {
        "date": started_at.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round((dt.datetime.now(dt.timezone.utc) - started_at).total_seconds()),
        "command": " ".join(shlex.quote(a) for a in [".venv/bin/python", "bench/compare_trees.py", *sys.argv[1:]]),
        "label": args.label,
        "harness_check": args.harness_check,
        "database": dbname,
        "enterprises": inputs["enterprises"],
        "database_size": inputs["database_size"],
        "settings": {k: getattr(args, k) for k in ("rounds", "order", "duration", "warmup", "connections", "threads",
                                                    "workers", "per_run", "warmup_per_run", "terms", "seed")},
        "terms": len(inputs["terms"]),
        "cache": f"Redis {redis_url}" if redis_url else "per-process memory",
        "loadavg_start": [round(x, 2) for x in load_start],
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "machine": machine(),
        "query_sample": inputs["queries"],
        "trees": info,
        "runs": runs,
    }


# --- report -------------------------------------------------------------------


def summarise(result: dict) -> dict:
    """Per tree and endpoint: means over the rounds (percentiles: mean of the rounds'),
    CPU per request over all requests of the rounds."""
    out: dict = {}
    for tree in result["trees"]:
        out[tree] = {}
        for endpoint in ENDPOINTS:
            runs = [r for r in result["runs"] if r["tree"] == tree and r["endpoint"] == endpoint]
            if not runs:
                continue
            requests = sum(r["requests"] for r in runs)
            out[tree][endpoint] = {
                "rps": statistics.fmean(r["rps"] for r in runs),
                "rps_range": (min(r["rps"] for r in runs), max(r["rps"] for r in runs)),
                **{p: statistics.fmean(r[p] for r in runs) for p in ("p50_ms", "p95_ms", "p99_ms")},
                "errors": sum(r["errors"] for r in runs),
                "requests": requests,
                "gunicorn_cpu_ms": sum(r["cpu_seconds"]["gunicorn"] for r in runs) / max(1, requests) * 1000,
                "postgres_cpu_ms": sum(r["cpu_seconds"]["postgres"] for r in runs) / max(1, requests) * 1000,
                "load1": [r["loadavg_start"][0] for r in runs],
                "other": [r["other_cores_busy"] for r in runs],
                "repeats": any(r["repeats"] for r in runs),
            }
    return out


def fmt(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}"


def query_table(result: dict) -> list[str]:
    trees = list(result["trees"])
    first = trees[0]
    lines = [
        "| sample | tree | SQL queries, uncached page: each enterprise | min / median / max | cached page | "
        f"in-process ms, median | same page as {first} | status |",
        "|---|---|---|---|---|---:|---|---|",
    ]
    for kind, usccs in result["query_sample"].items():
        for tree in trees:
            q = result["trees"][tree]["queries"]
            counts = [q[u]["queries"] for u in usccs]
            cached = sorted({q[u]["queries_cached"] for u in usccs})
            same = sum(q[u]["sha256"] == result["trees"][first]["queries"][u]["sha256"] for u in usccs)
            statuses = sorted({q[u]["status"] for u in usccs})
            lines.append(
                f"| {kind} ({len(usccs)}) | {tree} | {', '.join(map(str, counts))} | {min(counts)} / "
                f"{statistics.median(counts):g} / {max(counts)} | {', '.join(map(str, cached))} | "
                f"{statistics.median(q[u]['ms'] for u in usccs):.1f} | {same}/{len(usccs)} | "
                f"{', '.join(map(str, statuses))} |")
    return lines


def markdown(result: dict) -> str:
    s = result["settings"]
    m = result["machine"]
    summary = summarise(result)
    trees = list(result["trees"])
    title = "harness check (the same code measured as every tree: the differences are noise)" \
        if result["harness_check"] else "trees compared"
    lines = [
        f"### Credit file and search, {title}: {result['date'][:16].replace('T', ' ')} UTC",
        "",
    ]
    if result["label"]:
        lines += [result["label"], ""]
    lines += [
        f"`{result['command']}` ({result['wall_seconds']} s in all).",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu'] or 'unknown CPU'}), {m['ram_gib']} GiB RAM, PostgreSQL "
        f"{m['postgresql']}, Python {m['python']}, shared with other engineers' test suites. Load average "
        f"(1/5/15 min) {result['loadavg_start']} at the start, {result['loadavg_end']} at the end. "
        f"Data: `{result['database']}`, {result['enterprises']:,} enterprises ({result['database_size']}).",
        "",
        f"Per tree: gunicorn {s['workers']} sync workers, DJANGO_DEBUG=0, cache {result['cache']} (flushed before "
        f"every run, key prefix per tree); wrk {s['threads']} thread, {s['connections']} connections, "
        f"{s['warmup']} s warm-up then {s['duration']} s per endpoint; {s['rounds']} round{'s' if s['rounds'] != 1 else ''}, each "
        f"endpoint measured on the trees back to back ({', '.join(trees)}; order {s['order']}). Credit file: {s['per_run']:,} random enterprises per run, "
        "none used by another run (every page uncached, no buffers warmed by an earlier run); "
        f"name search: the same {result['terms']:,} two-character windows of real names in every run. CPU per "
        "request: utime+stime from /proc of the tree's gunicorn workers and of the PostgreSQL backends of the "
        "benchmark database, divided by the completed requests.",
        "",
        "Trees:",
        "",
    ]
    for tree, data in result["trees"].items():
        migrated = f"migrated first: {' '.join(data['migrated'].split())}" if data["migrated"] else "no migration needed"
        lines.append(f"- **{tree}**: `{data['path']}` at {data['revision']}; {migrated}; sample requests "
                     + ", ".join(f"{n} {st} ({size:,} B)" for n, (st, size) in data["checks"].items()))
    lines += [
        "",
        "Mean over the rounds (percentiles: mean of the rounds' wrk percentiles):",
        "",
        "| endpoint | tree | req/s (rounds' range) | p50 ms | p95 ms | p99 ms | errors | gunicorn CPU ms/req | "
        "PostgreSQL CPU ms/req | req/s vs this tree's floor | load avg 1 min at each run's start | "
        "other jobs' cores busy |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for endpoint in ENDPOINTS:
        for tree in trees:
            d = summary[tree].get(endpoint)
            if not d:
                continue
            floor = summary[tree]["floor"]["rps"]
            rng = d["rps_range"]
            lines.append(
                f"| {endpoint}{' (inputs repeated!)' if d['repeats'] else ''} | {tree} | {fmt(d['rps'])} "
                f"({fmt(rng[0])}-{fmt(rng[1])}) | {fmt(d['p50_ms'])} | {fmt(d['p95_ms'])} | {fmt(d['p99_ms'])} | "
                f"{d['errors']} | {fmt(d['gunicorn_cpu_ms'], 2)} | {fmt(d['postgres_cpu_ms'], 2)} | "
                f"{d['rps'] / floor:.3f} | {', '.join(fmt(x, 2) for x in d['load1'])} | "
                f"{', '.join(fmt(x, 2) for x in d['other'])} |")
    if len(trees) > 1:
        ref = trees[0]
        lines += [
            "",
            f"Ratios to **{ref}** (req/s: above 1 is faster; p95 and CPU per request: below 1 is better):",
            "",
            "| endpoint | tree | req/s | p50 | p95 | gunicorn CPU/req | PostgreSQL CPU/req | both CPU/req | "
            "req/s vs floor |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]

        def ratio(a: float, b: float, least: float = 0.05) -> str:
            # CPU below 0.05 ms per request (PostgreSQL for the floor) is no figure to divide.
            return f"{a / b:.2f}" if b > least and a > least else "-"

        for endpoint in ENDPOINTS:
            for tree in trees[1:]:
                a, b = summary[tree][endpoint], summary[ref][endpoint]
                fa, fb = summary[tree]["floor"]["rps"], summary[ref]["floor"]["rps"]
                lines.append(
                    f"| {endpoint} | {tree} | {ratio(a['rps'], b['rps'])} | {ratio(a['p50_ms'], b['p50_ms'])} | "
                    f"{ratio(a['p95_ms'], b['p95_ms'])} | {ratio(a['gunicorn_cpu_ms'], b['gunicorn_cpu_ms'])} | "
                    f"{ratio(a['postgres_cpu_ms'], b['postgres_cpu_ms'])} | "
                    f"{ratio(a['gunicorn_cpu_ms'] + a['postgres_cpu_ms'], b['gunicorn_cpu_ms'] + b['postgres_cpu_ms'])} | "
                    f"{ratio(a['rps'] / fa, b['rps'] / fb, 0)} |")
    lines += [
        "",
        "SQL queries per credit-file page (test Client in each tree, CaptureQueriesContext, empty cache, "
        "then the same page again from the cache; rich: rows in the most tables that point at an enterprise; "
        "plain: the fewest among 3,000 random enterprises):",
        "",
        *query_table(result),
        "",
        "<details><summary>Every measured run, in order</summary>",
        "",
        "| round | tree | endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors | gunicorn CPU ms/req | "
        "PostgreSQL CPU ms/req | machine cores busy | of which other jobs | load avg at start / end |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in result["runs"]:
        lines.append(
            f"| {r['round']} | {r['tree']} | {r['endpoint']} | {r['requests']:,} | {fmt(r['rps'])} | {r['p50_ms']} | "
            f"{r['p95_ms']} | {r['p99_ms']} | {r['errors']} | {r['gunicorn_cpu_ms']} | {r['postgres_cpu_ms']} | "
            f"{r['machine_cores_busy']} | {r['other_cores_busy']} | "
            f"{'/'.join(fmt(x, 2) for x in r['loadavg_start'])} / {'/'.join(fmt(x, 2) for x in r['loadavg_end'])} |")
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def write_results(section: str) -> Path:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if ANCHOR not in text:
        block = f"{ANCHOR}\n"
        if CREDIT_END in text:
            head, tail = text.split(CREDIT_END, 1)
            text = f"{head}{CREDIT_END}\n\n{block}\n{tail.lstrip(chr(10))}"
        else:
            text = text.rstrip("\n") + f"\n\n{block}\n"
    head, tail = text.split(ANCHOR, 1)
    text = f"{head}{ANCHOR}\n\n{section}\n{tail.lstrip(chr(10))}"
    RESULTS.write_text(text, encoding="utf-8")
    return RESULTS


def parse_tree(value: str) -> tuple[str, Path]:
    label, sep, path = value.partition("=")
    if not sep or not label or not path:
        raise argparse.ArgumentTypeError("expected LABEL=PATH")
    tree = Path(path).resolve()
    if not (tree / "manage.py").exists():
        raise argparse.ArgumentTypeError(f"{tree} has no manage.py")
    return label, tree


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", type=parse_tree, metavar="LABEL=PATH",
                        help="a code tree to measure (repeat; the first is the reference for the ratios)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=15, help="measured seconds per endpoint per round (max 60)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds before each measured run")
    parser.add_argument("--order", choices=("abab", "abba"), default="abab",
                        help="trees in the same order every round, or reversed every other round")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per tree")
    parser.add_argument("--per-run", type=int, default=20000, help="distinct enterprises per measured credit-file run")
    parser.add_argument("--warmup-per-run", type=int, default=3000, help="distinct enterprises per warm-up")
    parser.add_argument("--terms", type=int, default=20000, help="random names to cut search terms from")
    parser.add_argument("--query-sample", type=int, default=10, help="rich, plain and random enterprises each")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS),
                        help="bench cache (flushed: a database of its own), or 'none' for per-process memory")
    parser.add_argument("--base-settings", default="portal.settings")
    parser.add_argument("--wsgi", default="portal.wsgi")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--label", default="", help="a note written with the figures")
    parser.add_argument("--harness-check", action="store_true", help="mark the section as a check of the harness")
    parser.add_argument("--no-write", action="store_true", help="do not touch bench/RESULTS.md")
    parser.add_argument("--render", type=Path, metavar="JSON",
                        help="measure nothing: write the section of an earlier sitting (bench/out/compare-*.json)")
    args = parser.parse_args()
    if args.render:
        section = markdown(json.loads(args.render.read_text(encoding="utf-8")))
        print(section if args.no_write else f"written to {write_results(section)}")
        return 0
    if not args.tree:
        parser.error("at least one --tree LABEL=PATH is needed")
    args.duration = min(args.duration, 60)
    labels = [label for label, _ in args.tree]
    if len(set(labels)) != len(labels):
        parser.error("tree labels must differ")
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    trees = [Tree(label, path, args.base_settings, args.wsgi) for label, path in args.tree]
    result = run_sitting(args, trees)
    stamp = result["date"].replace(":", "").replace("-", "")[:15]
    print(f"written to {save(f'compare-{stamp}.json', result)}")
    section = markdown(result)
    if args.no_write:
        print(section)
    else:
        print(f"written to {write_results(section)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
