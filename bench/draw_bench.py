"""Benchmark: one draw over 1,000,000 firms and 10,000 inspectors, end to end through a
real Celery worker on PostgreSQL, against the standalone verifier on the same files.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_insp_bench \\
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/draw_bench.py [--firms N] [--inspectors N]

It empties the benchmark database's enterprise and inspection tables, loads synthetic
firms with COPY, commits a plan (ratios A 1%, B 3%, C 10%, D 30%, team size 2), queues
the draw to a worker it starts itself, times queue-to-drawn, exports the published
files, times `python3 -I -S inspections/verify_draw.py` on them, and writes the
"## Draw" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

# The class mix of the synthetic pool: most firms are low or general risk.
RISK_MIX = (("A", 0.50), ("B", 0.30), ("C", 0.15), ("D", 0.05))
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
DIVISIONS = ["110105", "110108", "310115", "440305", "440106", "330106", "320505", "510107"]


def org8(n: int) -> str:
    digits = []
    for _ in range(8):
        n, rest = divmod(n, 31)
        digits.append(ALPHABET[rest])
    return "".join(reversed(digits))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--inspectors", type=int, default=10_000)
    parser.add_argument("--cap", type=int, default=0, help="workload cap (default: just enough, +10%)")
    parser.add_argument("--write-results", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        print("set DATABASE_URL (PostgreSQL) and REDIS_URL", file=sys.stderr)
        return 2

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from credit import uscc
    from credit.models import Agency
    from inspections import services
    from inspections.draw import algorithm
    from inspections.models import Draw, InspectionItem, Inspector, Plan, PlanFile, PlanState
    from inspections.selectors import plan_scope_counts
    from inspections.tasks import draw_plan

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE inspections_taskmember, inspections_task, inspections_draw, inspections_planfile, "
            "inspections_plan_items, inspections_plan, inspections_conflict, inspections_inspector_items, "
            "inspections_inspector, inspections_spotcheck, credit_enterprise, portal_auditevent CASCADE"
        )
    # A nationwide pool needs a national agency: other agencies may plan only in their region.
    agency, _ = Agency.objects.update_or_create(
        code="BENCH", defaults={"name": "基准测试市场监督管理局", "level": "national", "region_code": "100000",
                                "kind": "market"})
    item, _ = InspectionItem.objects.get_or_create(
        code="BENCH-1", defaults={"name": "基准检查事项", "legal_basis": "-", "kind": "general", "method": "desk"})

    rnd = random.Random(2026)
    started = time.perf_counter()
    classes = [c for c, share in RISK_MIX for _ in range(int(share * 100))]
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    with connection.cursor() as cursor:
        copy_sql = (
            "COPY credit_enterprise (uscc, name, name_en, entity_type, legal_representative_name, capital_currency, "
            "established_on, status, domicile, business_scope, region_code, industry, risk_class, search_tokens, "
            "updated_at, registration_authority_id) FROM STDIN"
        )
        with cursor.cursor.copy(copy_sql) as copy:
            for n in range(args.firms):
                division = DIVISIONS[n % len(DIVISIONS)]
                code = uscc.build("9", "1", division, org8(n * 7919 + 12345))
                copy.write_row((code, f"基准企业{n}", "", "llc", "", "CNY", "2015-03-12", "active", "北京市",
                                "", division, "I", rnd.choice(classes), "", now, agency.pk))
        cursor.execute("ANALYZE credit_enterprise")
    load_seconds = time.perf_counter() - started

    inspectors = Inspector.objects.bulk_create(
        [Inspector(agency=agency, code=f"BI{n:06d}", name=f"检查员{n}") for n in range(args.inspectors)],
        batch_size=5000,
    )
    Inspector.items.through.objects.bulk_create(
        [Inspector.items.through(inspector_id=i.pk, inspectionitem_id=item.pk) for i in inspectors],
        batch_size=5000,
    )

    ratios = {"A": "0.01", "B": "0.03", "C": "0.1", "D": "0.3"}
    counts = plan_scope_counts(Plan(statuses=["active"]))
    expected_selected = sum(algorithm.quota(counts.get(c, 0), ratios[c]) for c in algorithm.RISK_CLASSES)
    cap = args.cap or max(1, int(expected_selected * 2 / args.inspectors * 1.1) + 1)
    number = f"BENCH-{uuid.uuid4().hex[:6]}"
    plan = Plan(agency=agency, number=number, name="基准抽查", year=2026, batch=1, statuses=["active"],
                ratio_a=ratios["A"], ratio_b=ratios["B"], ratio_c=ratios["C"], ratio_d=ratios["D"], team_size=2,
                workload_cap=cap, entropy_source="bench", checks_end_on=dt.date(2026, 12, 31),
                reveal_policy="immediate", entropy_available_at=timezone.now() + dt.timedelta(seconds=2))
    services.plan_save(plan=plan, actor=None, items=[item])
    started = time.perf_counter()
    services.plan_commit(plan=plan, actor=None)
    commit_seconds = time.perf_counter() - started
    time.sleep(max(0.0, (plan.entropy_available_at - timezone.now()).total_seconds()))  # the value exists from then
    services.plan_entropy_enter(plan=plan, actor=None, public_entropy="2026-11-26 bench")

    queue = f"draw-bench-{uuid.uuid4().hex[:6]}"
    log = Path(tempfile.gettempdir()) / f"{queue}.log"
    worker = subprocess.Popen(
        [str(ROOT / ".venv/bin/celery"), "-A", "portal", "worker", "--pool=prefork", "--concurrency=1", "-l", "info",
         "-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while b" ready." not in log.read_bytes():
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit(f"worker did not start:\n{log.read_text()}")
            time.sleep(0.2)
        cpu_before = tree_cpu_seconds(worker.pid)
        started = time.perf_counter()
        draw_plan.apply_async(args=[plan.pk], queue=queue)
        deadline = time.monotonic() + 3600
        while True:
            plan.refresh_from_db()
            if plan.state == PlanState.DRAWN:
                break
            if plan.draw_error or time.monotonic() > deadline:
                raise SystemExit(f"draw failed: {plan.draw_error}\n{log.read_text()[-3000:]}")
            time.sleep(0.02)  # fine enough for small draws too
        draw_seconds = time.perf_counter() - started
        load_average = os.getloadavg()
        time.sleep(1)  # lets the pool's workers exit and be reaped into the task process's times
        draw_cpu = tree_cpu_seconds(worker.pid) - cpu_before
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    ranked = next((line.split("draw: ", 1)[1].strip() for line in log.read_text().splitlines()
                   if "worker processes" in line), "in the worker process itself (no pool)")
    outcome = Draw.objects.get(plan=plan)

    with tempfile.TemporaryDirectory() as folder:
        for stored in PlanFile.objects.filter(plan=plan):
            (Path(folder) / stored.name).write_bytes(bytes(stored.content))
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-I", "-S", str(ROOT / "inspections" / "verify_draw.py"), folder],
            capture_output=True, text=True, timeout=3600,
        )
        verify_seconds = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        verify_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    print(completed.stdout.strip())
    if completed.returncode != 0:
        raise SystemExit("verifier disagrees: " + completed.stdout + completed.stderr)

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    figures = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, PostgreSQL "
                   f"{connection.cursor().connection.info.server_version}",
        "firms": args.firms, "inspectors": args.inspectors, "cap": cap, "quotas": outcome.quotas,
        "selected": outcome.selected_count, "unassigned": outcome.unassigned_count,
        "load": load_seconds, "commit": commit_seconds, "draw": draw_seconds, "compute": outcome.seconds,
        "verify": verify_seconds, "ratio": draw_seconds / verify_seconds, "sha": outcome.result_sha256,
        "processes": settings.DRAW_PROCESSES, "ranked": ranked, "draw_cpu": draw_cpu, "verify_cpu": verify_cpu,
        "loadavg": " / ".join(f"{value:.1f}" for value in load_average),
    }
    print(figures)
    write_section(Path(args.write_results), figures)
    return 0


# The figures before the draw was optimised (same script, same sizes), kept for comparison.
BEFORE = """
Before: the draw as first written (one pair at a time in Python, every ticket sorted,
all in the Celery worker process), same script and sizes, 2026-11-26 10:09 UTC on a
busier machine: draw end to end **282.6 s** (266.2 s computing), verifier 305.1 s in the
same run (0.93x). That verifier, unchanged since, needs about 147 CPU-seconds, so the
machine was then roughly twice as busy: compare the draw with the verifier of the same
run, or use the table below. Earlier runs of the current code, same sizes: 10:42 UTC
(load average 3.4) 164.4 s against a 145.7 s verifier; 10:56 UTC (load 2.3) 115.2 s
against 147.5 s.

The computation alone on one plan's published files, back to back on a quiet machine
(load average 0.1-1.8; `bench/draw_compute.py`, the "before" being `git show
a320239:inspections/draw.py` run with `--module`), every run byte-identical to the
published result.csv:

| draw.py | processes | wall | CPU |
|---|---|---|---|
| before | 1 | 147.6 s | 145.2 s |
| now | 1 | 126.8 s | 126.8 s |
| now | 2 | 67.9 s | 133.3 s |

What changed: step 4 hashes through `map()` over copies of the firm's prefix state
(no Python bytecode per pair), keeps raw digests, and finds the few smallest through
block minima (`min` in C) instead of `heapq.nsmallest` over every pair; step 3 keeps the
tickets under a bound instead of sorting a million; parsing avoids per-row Python
loops and the cyclic GC is off during the draw; and step 4 is split over
DRAW_PROCESSES worker processes (default: the CPUs; inside the Celery prefork worker a
billiard pool), which rank batches of firms ahead of the sequential pass; that pass
takes each firm's first team_size candidates still under the cap and ranks a firm again
itself only if too few are left (exact by construction, tested against a plain
transcription of docs/draw.md).

Small draws: `--firms 20000 --inspectors 300` (cap 7, 869 selected, below
DRAW_PARALLEL_MIN_PAIRS so no pool) took 0.32-0.37 s end to end against 0.13 s for the
verifier (2.4-2.9x; before: 0.47 s against 0.14 s, 3.5x, then polled every 0.2 s instead
of 0.02 s). At that size queueing, the two transactions and writing the rows dominate.
"""


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used by a process and its descendants, the reaped ones
    included; on a shared machine this says more than wall time."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(value) for value in fields[11:15]) / ticks  # utime stime cutime cstime
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def write_section(path: Path, f: dict) -> None:
    mix = ", ".join(f"{c} {int(s * 100)}%" for c, s in RISK_MIX)
    section = f"""## Draw

Measured {f['date']} by `bench/draw_bench.py` on {f['machine']}; the machine was shared
with other agents' work (load average {f['loadavg']} over 1/5/15 min when the draw ended),
so treat the seconds as indicative.

- Pool: {f['firms']:,} synthetic active firms (class mix {mix}), loaded with COPY; roster
  {f['inspectors']:,} inspectors; ratios A 1%, B 3%, C 10%, D 30%; team size 2; workload cap
  {f['cap']}. Quotas {f['quotas']}: {f['selected']:,} firms selected, {f['unassigned']:,} without a team.
- Commit (freeze pool, roster, exclusions; parameters.json; commitment): {f['commit']:.1f} s.
- **Draw, end to end through Celery** (queue -> worker -> drawn, one transaction writing
  {f['selected']:,} tasks, their team members, reveal.json and result.csv): **{f['draw']:.1f} s**, of which
  {f['compute']:.1f} s computing the draw (including re-checking the frozen files' hashes).
  DRAW_PROCESSES={f['processes']}; the worker log says: {f['ranked']}.
  CPU time of the Celery worker process and its pool: {f['draw_cpu']:.1f} s, i.e. on average
  {f['draw_cpu'] / f['draw']:.1f} of the 2 cores (the rest went to other work on the machine).
- **Standalone verifier** (`python3 -I -S inspections/verify_draw.py`) on the published files:
  **{f['verify']:.1f} s** ({f['verify_cpu']:.1f} s CPU). Draw / verifier = **{f['ratio']:.2f}x** (target: at most 3x).
- result.csv sha256 `{f['sha']}`; the verifier reported MATCH.
{BEFORE}
Why the 20 s target is out of reach at this size: DRAW-v1 ranks every eligible inspector
of every selected firm by its own SHA-256 pair hash (docs/draw.md §8), so the team
step costs selected firms x roster hashes ({f['selected']:,} x up to {f['inspectors']:,}, about 400 million
here: fewer as inspectors reach the cap and leave the candidate list). No exact shortcut
exists: any unseen pair hash could be the smallest. Through `hashlib` one pair costs about
0.3 µs of one core however the loop is written (two OpenSSL context copies, one for
`.copy()` and one inside `.digest()`, cost more than the compression itself), so the
floor is about 120 core-seconds, 60 s on both cores of an otherwise idle machine; the
rest of the draw (parsing, firm selection, writing the rows in one transaction) adds
about 10 s. With two cores the parallel draw can beat the single-process verifier by
about 2x at best; the verifier does the same hashing work.
A roster of a few hundred inspectors per agency, as in practice, brings the whole draw to
seconds.
"""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    start = text.find("## Draw\n")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
