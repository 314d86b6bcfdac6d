"""The reference implementation of the draw, docs/draw.md (algorithm tag DRAW-v1).

Pure functions over plain values, standard library only: no Django, no database, no
processes. The canonical files, parameters.json, the seed, the tickets, the quotas and the
team assignment are all here; engine.py only spreads step 4's hashing over worker
processes (same result). The Celery task, the management command verifier and the tests
all go through here; the standalone `verify_draw.py` re-implements the same steps with
the standard library only, so the two can check each other.

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

import datetime as dt
import gc
import hashlib
import heapq
import json
import math
import re
from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
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


def time_string(moment: dt.datetime) -> str:
    """An aware moment in UTC to the second, as parameters.json names it: 2026-12-01T13:30:00Z."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DrawInputError(f"time {moment!r} must carry its time zone")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
    entropy_available_at: dt.datetime | None = None,
) -> bytes:
    """The committed document. `entropy_available_at` (when the named source announces its
    value) is an optional key: plans committed before it existed have none, and the draw
    never reads it, so their documents, commitments and results are unchanged."""
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
    if entropy_available_at is not None:
        document["entropy_available_at"] = time_string(entropy_available_at)
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


# Step 4's inner form: a firm is (USCC, numbers of its excluded inspectors), firms in visiting
# order; an inspector is its number in the sorted roster and its code as ASCII bytes. A Picker
# turns them into teams (tuples of inspector numbers); engine.picker gives one that uses
# worker processes.
Picker = Callable[..., list[tuple[int, ...]]]


def team_inputs(
    chosen: list[tuple[str, str, str]], roster: Iterable[str], exclusions: Iterable[tuple[str, str]]
) -> tuple[list[str], list[tuple[str, tuple[int, ...]]], list[bytes]]:
    """(sorted roster, firms in visiting order with their excluded inspectors, the codes as bytes)."""
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
    return roster_sorted, firms, [code.encode("ascii") for code in roster_sorted]


def assign_teams(
    seed: str,
    chosen: list[tuple[str, str, str]],
    roster: Iterable[str],
    exclusions: Iterable[tuple[str, str]],
    *,
    team_size: int,
    workload_cap: int,
    pick: Picker | None = None,
) -> dict[str, tuple[str, ...]]:
    """Step 4: each chosen firm's team of inspector codes (() when it has none). `pick`
    (default assign_serial) computes the teams; every Picker gives the same result."""
    roster_sorted, firms, raws = team_inputs(chosen, roster, exclusions)
    picked = (pick or assign_serial)(seed, firms, raws, team_size=team_size, workload_cap=workload_cap)
    return {uscc: tuple(roster_sorted[i] for i in team) for (uscc, _), team in zip(firms, picked, strict=True)}


# --- step 4, fast path ----------------------------------------------------------------
#
# Everything below computes exactly what the plain description says; it only avoids
# Python work per pair. Inspectors are numbered by their position in the sorted roster,
# so "ties by inspector code" is "ties by number".

_BLOCK = 32

_sha256 = hashlib.sha256
_HASH = type(_sha256())
_copy, _update, _digest = _HASH.copy, _HASH.update, _HASH.digest


def pair_prefix(seed: str, uscc: str) -> bytes:
    """What every pair hash of the firm `uscc` starts with (pair_hash = sha256(prefix + code))."""
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


def ranked(prefix: bytes, raws: list[bytes], m: int) -> list[int]:
    """Positions in `raws` of the m smallest sha256(prefix + raw), best first."""
    if not raws:
        return []
    # The prefix fills the first 64-byte block: hash it once and copy the state. The
    # map() calls keep the per-pair loop in C.
    states = list(map(_copy, repeat(_sha256(prefix), len(raws))))
    deque(map(_update, states, raws), 0)
    return [position for _, position in _smallest(list(map(_digest, states)), m)]


def without(ids: list[int], raws: list[bytes], skip: tuple[int, ...]) -> tuple[list[int], list[bytes]]:
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


def assign_serial(seed, firms, raws, *, team_size, workload_cap) -> list[tuple[int, ...]]:
    """Step 4 in this process: each firm's team as inspector numbers, () when unassigned.
    `firms` and `raws` are as team_inputs gives them; this is the default Picker."""
    load = [0] * len(raws)
    open_ids, open_raws = list(range(len(raws))), list(raws)
    teams = []
    for uscc, skip in firms:
        ids, codes = without(open_ids, open_raws, skip)
        best = ranked(pair_prefix(seed, uscc), codes, team_size)
        if len(best) < team_size:
            teams.append(())
            continue
        team = tuple(ids[position] for position in best)
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


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
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
    pick: Picker | None = None,
) -> DrawResult:
    with without_cyclic_gc():
        quotas, chosen = select_firms(seed, pool, ratios)
        teams = assign_teams(seed, chosen, roster, exclusions, team_size=team_size, workload_cap=workload_cap,
                             pick=pick)
        chosen.sort()
        selected = [Selected(uscc, cls, ticket, teams[uscc]) for ticket, uscc, cls in chosen]
    return DrawResult(seed=seed, quotas=quotas, selected=selected)


def run_draw_from_files(
    files: Mapping[str, bytes],
    *,
    secret: bytes,
    public_entropy: str,
    pick: Picker | None = None,
) -> DrawResult:
    """Recompute a draw from the frozen files and parameters.json (the published set);
    `pick` as for assign_teams (engine.run_draw_from_files passes worker processes)."""
    document = files[PARAMETERS_FILE]
    params = json.loads(document)
    for name in FROZEN_FILES:
        if sha256_hex(files[name]) != params["files"][name]:
            raise DrawInputError(f"{name} does not match its sha256 in parameters.json")
    if sha256_hex(secret) != params["secret_hash"]:
        raise DrawInputError("secret does not match secret_hash")
    seed = seed_of(commitment=commitment_of(document), secret=secret, public_entropy=public_entropy)
    with without_cyclic_gc():
        pool = parse_pool(files[POOL_FILE])
        result = run_draw(
            seed=seed,
            pool=pool,
            roster=parse_roster(files[ROSTER_FILE]),
            exclusions=parse_exclusions(files[EXCLUSIONS_FILE]),
            ratios=params["ratios"],
            team_size=params["team_size"],
            workload_cap=params["workload_cap"],
            pick=pick,
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
