"""The reference implementation of the draw, DESIGN.md §4 (algorithm tag DRAW-v1).

Pure functions over plain values: no Django, no database (step 4 may hand its hashing
to worker processes, which only compute). The Celery task, the
management command verifier and the tests all go through here; the standalone
`verify_draw.py` re-implements the same steps with the standard library only, so the
two can check each other.

Choices the design leaves open, fixed here once and for all:
- Every canonical file ends each line, the last one included, with `\\n`.
- Rows are sorted as tuples of their fields in code-point order. Because `,` sorts
  before every character allowed in a code, this equals sorting the lines as text.
- Ratios are written as the shortest exact decimal string (`Decimal.normalize`,
  fixed-point): 0.0300 -> "0.03", 1 -> "1", 0 -> "0".
- A firm is visited for team assignment in (eligible count, ticket, USCC) order; its
  candidates are its eligible inspectors whose load is below the cap, ranked by
  (pair hash, inspector code). With fewer candidates than `team_size` the firm is
  unassigned and nobody's load changes. A team's codes are listed in rank order.
- result.csv lists every selected firm in (ticket, USCC) order.
"""

from __future__ import annotations

import gc
import hashlib
import heapq
import json
import logging
import math
import multiprocessing
import os
import re
import threading
import time
from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal, localcontext
from itertools import compress, repeat

ALGORITHM = "DRAW-v1"
RISK_CLASSES = ("A", "B", "C", "D")
CODE_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
POOL_FILE = "pool.csv"
ROSTER_FILE = "roster.csv"
EXCLUSIONS_FILE = "exclusions.csv"
PARAMETERS_FILE = "parameters.json"
REVEAL_FILE = "reveal.json"
RESULT_FILE = "result.csv"
FROZEN_FILES = (POOL_FILE, ROSTER_FILE, EXCLUSIONS_FILE)
POOL_HEADER = "uscc,risk_class"
ROSTER_HEADER = "inspector_code"
EXCLUSIONS_HEADER = "inspector_code,uscc"
RESULT_HEADER = "uscc,risk_class,ticket,inspector_codes"

logger = logging.getLogger(__name__)


class DrawInputError(ValueError):
    """An input the algorithm cannot encode unambiguously."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def check_code(value: str, what: str) -> str:
    if not isinstance(value, str) or not CODE_RE.fullmatch(value):
        raise DrawInputError(f"{what} {value!r} does not match [A-Za-z0-9._-]{{1,64}}")
    return value


def check_ascii(value: str, what: str) -> str:
    if not value or not value.isascii() or not value.isprintable():
        raise DrawInputError(f"{what} must be non-empty printable ASCII")
    return value


def ratio_string(value) -> str:
    ratio = Decimal(str(value))
    if not ratio.is_finite() or ratio < 0 or ratio > 1:
        raise DrawInputError(f"ratio {value!r} must be a decimal between 0 and 1")
    text = format(ratio.normalize(), "f")
    return "0" if ratio == 0 else text


def quota(n: int, ratio: str) -> int:
    """k = min(n, ceil(r * n)) in exact decimal arithmetic."""
    with localcontext() as ctx:
        ctx.prec = 60
        product = Decimal(ratio) * n
        return min(n, int(product.to_integral_value(rounding=ROUND_CEILING)))


# --- canonical files ---------------------------------------------------------------


def _csv(header: str, rows: Iterable[tuple[str, ...]]) -> bytes:
    lines = [header]
    lines.extend(",".join(row) for row in sorted(rows))
    return ("\n".join(lines) + "\n").encode("ascii")


def pool_csv(pool: Iterable[tuple[str, str]]) -> bytes:
    rows, seen = [], set()
    for uscc, risk_class in pool:
        check_code(uscc, "USCC")
        if risk_class not in RISK_CLASSES:
            raise DrawInputError(f"risk class {risk_class!r} of {uscc} is not one of A-D")
        if uscc in seen:
            raise DrawInputError(f"USCC {uscc} appears twice in the pool")
        seen.add(uscc)
        rows.append((uscc, risk_class))
    return _csv(POOL_HEADER, rows)


def roster_csv(codes: Iterable[str]) -> bytes:
    unique = {check_code(code, "inspector code") for code in codes}
    return _csv(ROSTER_HEADER, ((code,) for code in unique))


def exclusions_csv(pairs: Iterable[tuple[str, str]]) -> bytes:
    unique = {(check_code(code, "inspector code"), check_code(uscc, "USCC")) for code, uscc in pairs}
    return _csv(EXCLUSIONS_HEADER, unique)


def _rows(data: bytes, header: str, width: int) -> list[list[str]]:
    text = data.decode("ascii")
    if not text.endswith("\n"):
        raise DrawInputError("file must end with a newline")
    lines = text[:-1].split("\n")
    if lines[0] != header:
        raise DrawInputError(f"header must be {header!r}, not {lines[0]!r}")
    rows = list(map(str.split, lines[1:], repeat(",")))  # map(): a pool has a million lines
    if any(map(width.__ne__, map(len, rows))):
        row = next(row for row in rows if len(row) != width)
        raise DrawInputError(f"row {','.join(row)!r} must have {width} fields")
    return rows


def parse_pool(data: bytes) -> list[tuple[str, str]]:
    return list(map(tuple, _rows(data, POOL_HEADER, 2)))


def parse_roster(data: bytes) -> list[str]:
    return [row[0] for row in _rows(data, ROSTER_HEADER, 1)]


def parse_exclusions(data: bytes) -> list[tuple[str, str]]:
    return [(code, uscc) for code, uscc in _rows(data, EXCLUSIONS_HEADER, 2)]


# --- commitment, seed, hashes -------------------------------------------------------


def parameters_document(
    *,
    plan: str,
    files: Mapping[str, bytes],
    ratios: Mapping[str, object],
    team_size: int,
    workload_cap: int,
    secret_hash: str,
    entropy_source: str,
) -> bytes:
    if team_size < 2:
        raise DrawInputError("team_size must be at least 2")
    if workload_cap < 1:
        raise DrawInputError("workload_cap must be at least 1")
    if set(ratios) != set(RISK_CLASSES):
        raise DrawInputError("ratios must name exactly the classes A, B, C and D")
    document = {
        "algorithm": ALGORITHM,
        "plan": check_code(plan, "plan number"),
        "files": {name: sha256_hex(files[name]) for name in FROZEN_FILES},
        "ratios": {cls: ratio_string(ratios[cls]) for cls in RISK_CLASSES},
        "team_size": int(team_size),
        "workload_cap": int(workload_cap),
        "secret_hash": secret_hash,
        "entropy_source": entropy_source,
    }
    return canonical_json(document)


def commitment_of(document: bytes) -> str:
    return sha256_hex(document)


def seed_of(*, commitment: str, secret: bytes, public_entropy: str) -> str:
    check_ascii(public_entropy, "public_entropy")
    text = f"{ALGORITHM}|seed|{commitment}|{secret.hex()}|{public_entropy}"
    return sha256_hex(text.encode("ascii"))


def ticket_of(seed: str, uscc: str) -> str:
    return sha256_hex(f"{ALGORITHM}|firm|{seed}|{uscc}".encode("ascii"))


def pair_hash(seed: str, uscc: str, inspector_code: str) -> str:
    return sha256_hex(f"{ALGORITHM}|pair|{seed}|{uscc}|{inspector_code}".encode("ascii"))


def reveal_document(*, commitment: str, secret: bytes, public_entropy: str, seed: str) -> bytes:
    return canonical_json(
        {"commitment": commitment, "secret": secret.hex(), "public_entropy": public_entropy, "seed": seed}
    )


# --- the draw -----------------------------------------------------------------------


@dataclass(frozen=True)
class Selected:
    uscc: str
    risk_class: str
    ticket: str
    team: tuple[str, ...] = ()

    @property
    def assigned(self) -> bool:
        return bool(self.team)


@dataclass
class DrawResult:
    seed: str
    quotas: dict[str, int]
    selected: list[Selected] = field(default_factory=list)
    pool_size: int | None = None  # known when run from the files

    def result_csv(self) -> bytes:
        lines = [RESULT_HEADER]
        lines.extend(f"{s.uscc},{s.risk_class},{s.ticket},{';'.join(s.team)}" for s in self.selected)
        return ("\n".join(lines) + "\n").encode("ascii")


def select_firms(seed: str, pool: Iterable[tuple[str, str]], ratios: Mapping[str, object]) -> tuple[dict, list]:
    """Per class, the k smallest (ticket, USCC); returns (quotas, [(ticket, uscc, class)])."""
    by_class: dict[str, list[str]] = defaultdict(list)
    for uscc, risk_class in pool:
        by_class[risk_class].append(uscc)
    prefix = f"{ALGORITHM}|firm|{seed}|".encode("ascii")
    quotas, chosen = {}, []
    for risk_class in RISK_CLASSES:
        members = by_class.get(risk_class, [])
        n = len(members)
        k = quota(n, ratio_string(ratios[risk_class]))
        quotas[risk_class] = k
        if k == 0:
            continue
        digests = _digests(prefix, list(map(str.encode, members, repeat("ascii"))))
        # Sorting a million tickets to keep a few thousand is most of the work. Tickets
        # are uniform, so few lie under a bound a little above k/n of the range; when at
        # least k do, the k smallest are among them (the k-th smallest is under it too).
        # Raw digests order like their hex.
        spread = _first_spread(k)
        while spread < n:
            bound = ((spread << 256) // n).to_bytes(32, "big")
            below = list(compress(range(n), map(bound.__gt__, digests)))
            if len(below) >= k:
                break
            spread *= 2
        else:
            below = range(n)
        best = sorted([(digests[i], members[i]) for i in below])[:k]
        chosen.extend((digest.hex(), uscc, risk_class) for digest, uscc in best)
    return quotas, chosen


def _first_spread(k: int) -> int:
    """How many tickets' worth of the range to try first: enough that fewer than k fall
    under it only rarely (four standard deviations), when the range is widened."""
    return k + 4 * math.isqrt(k) + 16


def _digests(prefix: bytes, raws: list[bytes]) -> list[bytes]:
    """sha256(prefix + raw) for each raw, the prefix's block hashed once."""
    base, out = _sha256(prefix), []
    for start in range(0, len(raws), 65536):  # bounded: a live hash object per item
        part = raws[start : start + 65536]
        states = list(map(_copy, repeat(base, len(part))))
        deque(map(_update, states, part), 0)
        out.extend(map(_digest, states))
    return out


def assign_teams(
    seed: str,
    chosen: list[tuple[str, str, str]],
    roster: Iterable[str],
    exclusions: Iterable[tuple[str, str]],
    *,
    team_size: int,
    workload_cap: int,
    processes: int = 1,
    parallel_min_pairs: int | None = None,
) -> dict[str, tuple[str, ...]]:
    """Step 4. With `processes` > 1 and at least `parallel_min_pairs` (firm, inspector)
    pairs the pair hashes are computed by worker processes; the result is the same
    either way (see `_assign_parallel`)."""
    roster_sorted = sorted(set(roster))
    roster_size = len(roster_sorted)
    index = {code: position for position, code in enumerate(roster_sorted)}
    chosen_usccs = {uscc for _, uscc, _ in chosen}
    excluded: dict[str, set[int]] = defaultdict(set)
    for code, uscc in exclusions:
        if uscc in chosen_usccs and code in index:
            excluded[uscc].add(index[code])
    order = sorted(chosen, key=lambda row: (roster_size - len(excluded.get(row[1], ())), row[0], row[1]))
    firms = [(uscc, tuple(sorted(excluded.get(uscc, ())))) for _ticket, uscc, _cls in order]
    raws = [code.encode("ascii") for code in roster_sorted]
    picked = None
    if parallel_min_pairs is None:
        parallel_min_pairs = PARALLEL_MIN_PAIRS
    if processes > 1 and len(firms) * roster_size >= parallel_min_pairs:
        picked = _assign_parallel(seed, firms, raws, team_size=team_size, workload_cap=workload_cap,
                                  processes=processes)
    if picked is None:
        picked = _assign_serial(seed, firms, raws, team_size=team_size, workload_cap=workload_cap)
    return {uscc: tuple(roster_sorted[i] for i in team) for (uscc, _), team in zip(firms, picked, strict=True)}


# --- step 4, fast path ----------------------------------------------------------------
#
# Everything below computes exactly what the plain description says; it only avoids
# Python work per pair. Inspectors are numbered by their position in the sorted roster,
# so "ties by inspector code" is "ties by number".

# Below this many (firm, inspector) pairs a worker pool costs more than it saves.
PARALLEL_MIN_PAIRS = 2_000_000
# Pairs a worker hashes per batch (about a tenth of a second).
_BATCH_PAIRS = 200_000
_BLOCK = 32
# A batch takes well under a second; a pool that has not answered in this long is broken.
_BATCH_TIMEOUT = 600

_sha256 = hashlib.sha256
_HASH = type(_sha256())
_copy, _update, _digest = _HASH.copy, _HASH.update, _HASH.digest


def _pair_prefix(seed: str, uscc: str) -> bytes:
    return f"{ALGORITHM}|pair|{seed}|{uscc}|".encode("ascii")


def _smallest(digests: list[bytes], m: int) -> list[tuple[bytes, int]]:
    """The m smallest (digest, position), in order.

    heapq.nsmallest runs Python code per element; `min` does not. The m-th smallest of
    the blocks' minima bounds the m-th smallest overall (m distinct elements are at or
    below it), so only blocks whose minimum is within that bound can hold an answer.
    """
    n = len(digests)
    if n <= 8 * _BLOCK or m * 4 > n // _BLOCK:
        return heapq.nsmallest(m, zip(digests, range(n), strict=True))
    starts = range(0, n, _BLOCK)
    minima = list(map(min, map(digests.__getitem__, map(slice, starts, range(_BLOCK, n + _BLOCK, _BLOCK)))))
    bound = heapq.nsmallest(m, minima)[-1]
    near: list[tuple[bytes, int]] = []
    for start, low in zip(starts, minima, strict=True):
        if low <= bound:
            near.extend(zip(digests[start : start + _BLOCK], range(start, start + _BLOCK), strict=False))  # last block: short
    return heapq.nsmallest(m, near)


def _ranked(prefix: bytes, raws: list[bytes], m: int) -> list[int]:
    """Positions in `raws` of the m smallest sha256(prefix + raw), best first."""
    if not raws:
        return []
    # The prefix fills the first 64-byte block: hash it once and copy the state. The
    # map() calls keep the per-pair loop in C.
    states = list(map(_copy, repeat(_sha256(prefix), len(raws))))
    deque(map(_update, states, raws), 0)
    return [position for _, position in _smallest(list(map(_digest, states)), m)]


def _without(ids: list[int], raws: list[bytes], skip: tuple[int, ...]) -> tuple[list[int], list[bytes]]:
    """`ids` (ascending inspector numbers) and their codes, minus the numbers in `skip`."""
    if not skip:
        return ids, raws
    drop = [at for number in skip if (at := bisect_left(ids, number)) < len(ids) and ids[at] == number]
    if not drop:
        return ids, raws
    ids, raws = ids[:], raws[:]
    for at in reversed(drop):
        del ids[at], raws[at]
    return ids, raws


def _assign_serial(seed, firms, raws, *, team_size, workload_cap) -> list[tuple[int, ...]]:
    load = [0] * len(raws)
    open_ids, open_raws = list(range(len(raws))), list(raws)
    teams = []
    for uscc, skip in firms:
        ids, codes = _without(open_ids, open_raws, skip)
        ranked = _ranked(_pair_prefix(seed, uscc), codes, team_size)
        if len(ranked) < team_size:
            teams.append(())
            continue
        team = tuple(ids[position] for position in ranked)
        teams.append(team)
        saturated = False
        for number in team:
            load[number] += 1
            saturated = saturated or load[number] >= workload_cap
        if saturated:
            # Inspectors at the cap can never be candidates again, so they leave the list.
            open_ids = [number for number in open_ids if load[number] < workload_cap]
            open_raws = [raws[number] for number in open_ids]
    return teams


_worker_raws: list[bytes] = []
_OPEN = bytes.maketrans(b"\x00\x01", b"\x01\x00")


def _worker_start(raws: list[bytes]) -> None:
    global _worker_raws
    _worker_raws = raws
    # A worker blocked on its queue would outlive a parent killed with SIGKILL.
    parent = os.getppid()
    threading.Thread(target=_worker_watch, args=(parent,), daemon=True).start()


def _worker_watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _worker_rank(seed: str, firms: list[tuple[str, tuple[int, ...]]], full: bytes, m: int):
    """For each firm: how many of its eligible inspectors were under the cap when the
    batch was sent, and the numbers of the best m of them."""
    is_open = full.translate(_OPEN)
    open_ids = list(compress(range(len(_worker_raws)), is_open))
    open_raws = list(compress(_worker_raws, is_open))
    out = []
    for uscc, skip in firms:
        ids, codes = _without(open_ids, open_raws, skip)
        out.append((len(ids), [ids[position] for position in _ranked(_pair_prefix(seed, uscc), codes, m)]))
    return out


class _BilliardFuture:
    def __init__(self, result):
        self._result = result

    def result(self):
        from billiard.exceptions import WorkerLostError

        try:
            return self._result.get(timeout=_BATCH_TIMEOUT)
        except (WorkerLostError, multiprocessing.TimeoutError) as problem:
            raise BrokenProcessPool(str(problem) or type(problem).__name__) from problem

    def cancel(self):
        return False


class _BilliardExecutor:
    """The little of the Executor interface used here, over a billiard pool.

    A Celery prefork worker runs tasks in daemonic processes, which multiprocessing
    forbids to start children; billiard (Celery's own fork of multiprocessing) allows it.
    The pool lives only for one draw and its workers exit when their parent dies.
    """

    def __init__(self, processes: int, raws: list[bytes]):
        import billiard

        self._pool = billiard.get_context("fork").Pool(processes, initializer=_worker_start, initargs=(raws,))

    def submit(self, fn, *args):
        return _BilliardFuture(self._pool.apply_async(fn, args))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._pool.terminate()
        self._pool.join()


def _open_pool(processes: int, raws: list[bytes]):
    """A process pool for `_worker_rank`, or None where this process cannot have one."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" not in methods:
        # Elsewhere workers would have to re-import the caller's main module; not worth it.
        return None
    try:
        if multiprocessing.current_process().daemon:
            return _BilliardExecutor(processes, raws)
        # fork: workers start in milliseconds; they only run _worker_rank and never touch
        # the database connection they inherit.
        return ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_worker_start, initargs=(raws,))
    except (ImportError, OSError, ValueError) as problem:
        logger.warning("draw: no worker pool (%s), ranking in this process", problem)
        return None


def _assign_parallel(seed, firms, raws, *, team_size, workload_cap, processes,
                     candidates=0) -> list[tuple[int, ...]] | None:
    """The pair hashing split over worker processes; None if no pool can be had.

    Workers rank batches of firms ahead of the sequential pass, each against the set of
    inspectors still under the cap when the batch was sent, and return each firm's best
    `candidates`. Loads only grow, so an inspector full then is still full when the
    firm's turn comes; the firm's true team is therefore its first team_size candidates
    still under the cap, provided there are that many. Otherwise (rare: most candidates
    filled up meanwhile) and only if the worker saw more eligible inspectors than it
    returned, the firm is ranked again here against the current loads.
    """
    pool = _open_pool(processes, raws)
    if pool is None:
        return None
    candidates = candidates or 4 * team_size + 8
    load = [0] * len(raws)
    full = bytearray(len(raws))
    open_count = len(raws)
    teams: list[tuple[int, ...]] = []
    again = 0
    with pool:
        pending: deque = deque()
        sent = 0
        try:
            while sent < len(firms) or pending:
                while sent < len(firms) and len(pending) < 2 * processes:
                    size = max(1, _BATCH_PAIRS // max(1, open_count))
                    batch = firms[sent : sent + size]
                    pending.append((batch, pool.submit(_worker_rank, seed, batch, bytes(full), candidates)))
                    sent += len(batch)
                batch, future = pending.popleft()
                for (uscc, skip), (eligible, ranked) in zip(batch, future.result(), strict=True):
                    team = [number for number in ranked if load[number] < workload_cap][:team_size]
                    if len(team) < team_size and eligible > len(ranked):
                        again += 1
                        open_ids = [number for number in range(len(raws)) if not full[number]]
                        ids, codes = _without(open_ids, [raws[number] for number in open_ids], skip)
                        team = [ids[position] for position in _ranked(_pair_prefix(seed, uscc), codes, team_size)]
                    if len(team) < team_size:
                        teams.append(())
                        continue
                    teams.append(tuple(team))
                    for number in team:
                        load[number] += 1
                        if load[number] >= workload_cap:
                            full[number] = 1
                            open_count -= 1
        except (BrokenProcessPool, OSError) as problem:
            logger.warning("draw: worker pool failed (%s), ranking in this process", problem)
            for _, future in pending:
                future.cancel()
            return None
    logger.info("draw: %d firms ranked by %d worker processes (%s), %d ranked again here", len(firms), processes,
                type(pool).__name__, again)
    return teams


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """A draw makes millions of small acyclic objects (rows, digests, tuples); the cyclic
    collector would walk them again and again for nothing (a third of parsing a pool)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_draw(
    *,
    seed: str,
    pool: Iterable[tuple[str, str]],
    roster: Iterable[str],
    exclusions: Iterable[tuple[str, str]],
    ratios: Mapping[str, object],
    team_size: int,
    workload_cap: int,
    processes: int = 1,
    parallel_min_pairs: int | None = None,
) -> DrawResult:
    with _without_cyclic_gc():
        quotas, chosen = select_firms(seed, pool, ratios)
        teams = assign_teams(seed, chosen, roster, exclusions, team_size=team_size, workload_cap=workload_cap,
                             processes=processes, parallel_min_pairs=parallel_min_pairs)
        chosen.sort()
        selected = [Selected(uscc, cls, ticket, teams[uscc]) for ticket, uscc, cls in chosen]
    return DrawResult(seed=seed, quotas=quotas, selected=selected)


def run_draw_from_files(
    files: Mapping[str, bytes],
    *,
    secret: bytes,
    public_entropy: str,
    processes: int = 1,
    parallel_min_pairs: int | None = None,
) -> DrawResult:
    """Recompute a draw from the frozen files and parameters.json (the published set).

    `processes` > 1 spreads the pair hashing over that many worker processes when the
    draw has at least `parallel_min_pairs` pairs to rank (same result)."""
    document = files[PARAMETERS_FILE]
    params = json.loads(document)
    for name in FROZEN_FILES:
        if sha256_hex(files[name]) != params["files"][name]:
            raise DrawInputError(f"{name} does not match its sha256 in parameters.json")
    if sha256_hex(secret) != params["secret_hash"]:
        raise DrawInputError("secret does not match secret_hash")
    seed = seed_of(commitment=commitment_of(document), secret=secret, public_entropy=public_entropy)
    with _without_cyclic_gc():
        pool = parse_pool(files[POOL_FILE])
        result = run_draw(
            seed=seed,
            pool=pool,
            roster=parse_roster(files[ROSTER_FILE]),
            exclusions=parse_exclusions(files[EXCLUSIONS_FILE]),
            ratios=params["ratios"],
            team_size=params["team_size"],
            workload_cap=params["workload_cap"],
            processes=processes,
            parallel_min_pairs=parallel_min_pairs,
        )
    result.pool_size = len(pool)
    return result


def expected_share(counts: Mapping[str, int], ratios: Mapping[str, object]) -> Decimal:
    """The share of the pool the ratios will select (for the 3% warning)."""
    total = sum(counts.values())
    if not total:
        return Decimal(0)
    picked = sum(quota(counts.get(cls, 0), ratio_string(ratios[cls])) for cls in RISK_CLASSES)
    return Decimal(picked) / Decimal(total)
