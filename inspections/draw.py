"""The reference implementation of the draw, DESIGN.md §4 (algorithm tag DRAW-v1).

Pure functions over plain values: no Django, no database. The Celery task, the
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

import hashlib
import heapq
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal, localcontext

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
    rows = [line.split(",") for line in lines[1:]]
    for row in rows:
        if len(row) != width:
            raise DrawInputError(f"row {','.join(row)!r} must have {width} fields")
    return rows


def parse_pool(data: bytes) -> list[tuple[str, str]]:
    return [(uscc, risk) for uscc, risk in _rows(data, POOL_HEADER, 2)]


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
        k = quota(len(members), ratio_string(ratios[risk_class]))
        quotas[risk_class] = k
        if k == 0:
            continue
        base = hashlib.sha256(prefix)
        tickets = []
        for uscc in members:
            h = base.copy()
            h.update(uscc.encode("ascii"))
            tickets.append((h.hexdigest(), uscc))
        tickets.sort()
        chosen.extend((ticket, uscc, risk_class) for ticket, uscc in tickets[:k])
    return quotas, chosen


def assign_teams(
    seed: str,
    chosen: list[tuple[str, str, str]],
    roster: Iterable[str],
    exclusions: Iterable[tuple[str, str]],
    *,
    team_size: int,
    workload_cap: int,
) -> dict[str, tuple[str, ...]]:
    roster_sorted = sorted(set(roster))
    roster_size = len(roster_sorted)
    chosen_usccs = {uscc for _, uscc, _ in chosen}
    excluded: dict[str, set[str]] = defaultdict(set)
    roster_set = set(roster_sorted)
    for code, uscc in exclusions:
        if uscc in chosen_usccs and code in roster_set:
            excluded[uscc].add(code)
    order = sorted(chosen, key=lambda row: (roster_size - len(excluded.get(row[1], ())), row[0], row[1]))
    load = dict.fromkeys(roster_sorted, 0)
    # Inspectors at the cap can never be candidates again, so they leave the list;
    # this changes nothing in the result and saves hashing them.
    available = [(code, code.encode("ascii")) for code in roster_sorted]
    teams: dict[str, tuple[str, ...]] = {}
    for _ticket, uscc, _cls in order:
        base = hashlib.sha256(f"{ALGORITHM}|pair|{seed}|{uscc}|".encode("ascii"))
        skip = excluded.get(uscc, ())
        ranked = []
        for code, raw in available:
            if code in skip:
                continue
            h = base.copy()
            h.update(raw)
            ranked.append((h.digest(), code))
        if len(ranked) < team_size:
            teams[uscc] = ()
            continue
        team = tuple(code for _, code in heapq.nsmallest(team_size, ranked))
        teams[uscc] = team
        saturated = False
        for code in team:
            load[code] += 1
            saturated = saturated or load[code] >= workload_cap
        if saturated:
            available = [(code, raw) for code, raw in available if load[code] < workload_cap]
    return teams


def run_draw(
    *,
    seed: str,
    pool: Iterable[tuple[str, str]],
    roster: Iterable[str],
    exclusions: Iterable[tuple[str, str]],
    ratios: Mapping[str, object],
    team_size: int,
    workload_cap: int,
) -> DrawResult:
    quotas, chosen = select_firms(seed, pool, ratios)
    teams = assign_teams(seed, chosen, roster, exclusions, team_size=team_size, workload_cap=workload_cap)
    chosen.sort()
    selected = [Selected(uscc, cls, ticket, teams[uscc]) for ticket, uscc, cls in chosen]
    return DrawResult(seed=seed, quotas=quotas, selected=selected)


def run_draw_from_files(files: Mapping[str, bytes], *, secret: bytes, public_entropy: str) -> DrawResult:
    """Recompute a draw from the frozen files and parameters.json (the published set)."""
    document = files[PARAMETERS_FILE]
    params = json.loads(document)
    for name in FROZEN_FILES:
        if sha256_hex(files[name]) != params["files"][name]:
            raise DrawInputError(f"{name} does not match its sha256 in parameters.json")
    if sha256_hex(secret) != params["secret_hash"]:
        raise DrawInputError("secret does not match secret_hash")
    seed = seed_of(commitment=commitment_of(document), secret=secret, public_entropy=public_entropy)
    return run_draw(
        seed=seed,
        pool=parse_pool(files[POOL_FILE]),
        roster=parse_roster(files[ROSTER_FILE]),
        exclusions=parse_exclusions(files[EXCLUSIONS_FILE]),
        ratios=params["ratios"],
        team_size=params["team_size"],
        workload_cap=params["workload_cap"],
    )


def expected_share(counts: Mapping[str, int], ratios: Mapping[str, object]) -> Decimal:
    """The share of the pool the ratios will select (for the 3% warning)."""
    total = sum(counts.values())
    if not total:
        return Decimal(0)
    picked = sum(quota(counts.get(cls, 0), ratio_string(ratios[cls])) for cls in RISK_CLASSES)
    return Decimal(picked) / Decimal(total)
