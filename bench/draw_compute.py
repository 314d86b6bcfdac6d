"""Time the draw's computation alone (no Celery, no database) on a published plan's files.

    .venv/bin/python bench/draw_compute.py <folder> [--processes N] [--module path/to/draw.py]

The folder holds parameters.json, pool.csv, roster.csv, exclusions.csv, reveal.json and
result.csv (as downloaded from the plan page). Prints wall and CPU seconds (this process
and its worker processes) and whether the recomputed result.csv equals the published one
byte for byte. By default it runs inspections/draw (engine over algorithm); --module runs a
one-file draw.py instead, e.g. an older inspections/draw.py from git, for before/after
comparisons on the same files and the same machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--module", type=Path, help="another draw.py (it may not know --processes)")
    args = parser.parse_args()
    if args.module:
        spec = importlib.util.spec_from_file_location("draw_under_test", args.module)
        draw = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = draw  # dataclasses and pickling look modules up by name
        spec.loader.exec_module(draw)
        names, run, options = draw, draw.run_draw_from_files, {}
    else:
        sys.path.insert(0, str(ROOT))
        from inspections.draw import algorithm, engine

        names, run = algorithm, engine.run_draw_from_files
        options = {"processes": args.processes, "parallel_min_pairs": 0}
    files = {name: (args.folder / name).read_bytes() for name in names.FROZEN_FILES + (names.PARAMETERS_FILE,)}
    reveal = json.loads((args.folder / names.REVEAL_FILE).read_bytes())
    load_before, cpu_before, started = os.getloadavg()[0], cpu_seconds(), time.perf_counter()
    result = run(files, secret=bytes.fromhex(reveal["secret"]), public_entropy=reveal["public_entropy"], **options)
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu_before
    print(json.dumps({
        "module": str(args.module or "inspections/draw/"), "processes": options.get("processes", 1),
        "wall": round(wall, 1), "cpu": round(cpu, 1),
        "load1": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "identical": result.result_csv() == (args.folder / draw.RESULT_FILE).read_bytes(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
