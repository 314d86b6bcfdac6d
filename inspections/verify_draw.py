#!/usr/bin/env python3
"""Re-run a published DRAW-v1 draw and compare it with its published result.

Usage:  python3 -I -S verify_draw.py <folder> [<commitment>]

The folder holds the files downloaded from /inspections/plans/<plan number>/; unzipping
files.zip makes it, named after the plan: parameters.json, pool.csv, roster.csv,
exclusions.csv and, once the plan is revealed, reveal.json and result.csv. The optional
commitment is the one the plan page shows. Only the Python standard library is used, so
anyone can read this file and run it. Exit status: 0 "MATCH" when everything agrees;
1 "MISMATCH" and the first difference found; 2 wrong arguments; 3 "NOT REVEALED YET"
when the plan has no reveal.json and result.csv yet and what can be checked agrees.

The algorithm (docs/draw.md): commitment = sha256(parameters.json bytes);
seed = sha256("DRAW-v1|seed|" + commitment + "|" + secret hex + "|" + public_entropy);
per risk class take the k = min(n, ceil(r * n)) smallest tickets
sha256("DRAW-v1|firm|" + seed + "|" + uscc) (ties by USCC); visit the selected firms by
(number of eligible inspectors, ticket, USCC) and give each the team_size eligible
inspectors under the workload cap with the smallest
sha256("DRAW-v1|pair|" + seed + "|" + uscc + "|" + inspector_code) (ties by code); a
firm with too few candidates stays unassigned. result.csv is in (ticket, USCC) order.
"""

import hashlib
import heapq
import json
import os
import sys
from decimal import ROUND_CEILING, Decimal, localcontext

TAG = "DRAW-v1"
CLASSES = ("A", "B", "C", "D")


class Mismatch(Exception):
    pass


class NotRevealed(Exception):
    """The inputs agree with the commitment, but the reveal files are not published yet."""


def sha(data):
    return hashlib.sha256(data).hexdigest()


def read(folder, name):
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        raise Mismatch(name + ": missing")
    with open(path, "rb") as handle:
        return handle.read()


def rows(name, data, header, width):
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise Mismatch(name + ": not ASCII") from None
    if not text.endswith("\n"):
        raise Mismatch(name + ": last line does not end with a newline")
    lines = text[:-1].split("\n")
    if lines[0] != header:
        raise Mismatch(f"{name}: header is {lines[0]!r}, expected {header!r}")
    out = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split(",")
        if len(fields) != width:
            raise Mismatch(f"{name} line {number}: {len(fields)} fields, expected {width}")
        out.append(tuple(fields))
    if out != sorted(out) or len(set(out)) != len(out):
        raise Mismatch(name + ": rows are not sorted and unique")
    return out


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def verify(folder, commitment=None):
    params_bytes = read(folder, "parameters.json")
    params = json.loads(params_bytes)
    if canonical(params) != params_bytes:
        raise Mismatch("parameters.json: not canonical JSON")
    if params.get("algorithm") != TAG:
        raise Mismatch("parameters.json: algorithm is {!r}, expected {!r}".format(params.get("algorithm"), TAG))
    actual_commitment = sha(params_bytes)
    if commitment is not None and actual_commitment != commitment.strip().lower():
        raise Mismatch(f"parameters.json: sha256 {actual_commitment}, the commitment given is {commitment}")
    frozen = {}
    for name in ("pool.csv", "roster.csv", "exclusions.csv"):
        frozen[name] = read(folder, name)
        actual = sha(frozen[name])
        if actual != params["files"][name]:
            raise Mismatch("{}: sha256 {}, parameters.json says {}".format(name, actual, params["files"][name]))
    pool = rows("pool.csv", frozen["pool.csv"], "uscc,risk_class", 2)
    roster = [code for (code,) in rows("roster.csv", frozen["roster.csv"], "inspector_code", 1)]
    exclusions = rows("exclusions.csv", frozen["exclusions.csv"], "inspector_code,uscc", 2)
    for uscc, risk in pool:
        if risk not in CLASSES:
            raise Mismatch(f"pool.csv: risk class {risk!r} of {uscc} is not A-D")

    revealed = [os.path.exists(os.path.join(folder, name)) for name in ("reveal.json", "result.csv")]
    if not any(revealed):
        checked = "matches the commitment given" if commitment is not None else "has sha256"
        due = params.get("entropy_available_at")
        raise NotRevealed(
            f"parameters.json {checked} {actual_commitment} and pool.csv, roster.csv and exclusions.csv match "
            "their sha256 in it; reveal.json and result.csv are published with the reveal"
            + (f" (public entropy due {due})" if due else "")
        )
    commitment = actual_commitment
    reveal = json.loads(read(folder, "reveal.json"))
    if reveal["commitment"] != commitment:
        raise Mismatch("reveal.json: commitment {}, sha256(parameters.json) is {}".format(reveal["commitment"], commitment))
    secret = bytes.fromhex(reveal["secret"])
    if sha(secret) != params["secret_hash"]:
        raise Mismatch("reveal.json: sha256(secret) does not equal secret_hash")
    text = TAG + "|seed|" + commitment + "|" + secret.hex() + "|" + reveal["public_entropy"]
    seed = sha(text.encode("ascii"))
    if seed != reveal["seed"]:
        raise Mismatch("reveal.json: seed {}, recomputed {}".format(reveal["seed"], seed))

    # Select firms.
    members = {c: [] for c in CLASSES}
    for uscc, risk in pool:
        members[risk].append(uscc)
    chosen = []
    for risk in CLASSES:
        n = len(members[risk])
        with localcontext() as ctx:
            ctx.prec = 60
            k = min(n, int((Decimal(params["ratios"][risk]) * n).to_integral_value(rounding=ROUND_CEILING)))
        if k == 0:
            continue
        base = hashlib.sha256((TAG + "|firm|" + seed + "|").encode("ascii"))
        tickets = []
        for uscc in members[risk]:
            h = base.copy()
            h.update(uscc.encode("ascii"))
            tickets.append((h.hexdigest(), uscc))
        tickets.sort()
        for ticket, uscc in tickets[:k]:
            chosen.append((ticket, uscc, risk))

    # Assign teams.
    team_size, cap = params["team_size"], params["workload_cap"]
    in_roster = set(roster)
    picked = {uscc for _, uscc, _ in chosen}
    excluded = {}
    for code, uscc in exclusions:
        if uscc in picked and code in in_roster:
            excluded.setdefault(uscc, set()).add(code)
    visit = sorted(chosen, key=lambda row: (len(roster) - len(excluded.get(row[1], ())), row[0], row[1]))
    load = dict.fromkeys(roster, 0)
    available = [(code, code.encode("ascii")) for code in roster]
    teams = {}
    for _ticket, uscc, _risk in visit:
        base = hashlib.sha256((TAG + "|pair|" + seed + "|" + uscc + "|").encode("ascii"))
        skip = excluded.get(uscc, ())
        ranked = []
        for code, raw in available:
            if code not in skip:
                h = base.copy()
                h.update(raw)
                ranked.append((h.digest(), code))
        if len(ranked) < team_size:
            teams[uscc] = ""
            continue
        team = [code for _, code in heapq.nsmallest(team_size, ranked)]
        teams[uscc] = ";".join(team)
        full = False
        for code in team:
            load[code] += 1
            full = full or load[code] >= cap
        if full:
            available = [(code, raw) for code, raw in available if load[code] < cap]

    chosen.sort()
    expected = ["uscc,risk_class,ticket,inspector_codes"]
    expected += [f"{uscc},{risk},{ticket},{teams[uscc]}" for ticket, uscc, risk in chosen]
    published = read(folder, "result.csv").decode("ascii", "replace").split("\n")
    if published and published[-1] == "":
        published.pop()
    else:
        raise Mismatch("result.csv: last line does not end with a newline")
    for number, (want, got) in enumerate(zip(expected, published, strict=False), start=1):
        if want != got:
            raise Mismatch(f"result.csv line {number}: published {got!r}, recomputed {want!r}")
    if len(expected) != len(published):
        raise Mismatch(f"result.csv: {len(published)} lines published, {len(expected)} recomputed")
    return len(chosen), sha(read(folder, "result.csv"))


def main(argv):
    if len(argv) not in (2, 3):
        print("usage: python3 -I -S verify_draw.py <folder of published files> [<commitment>]", file=sys.stderr)
        return 2
    try:
        count, digest = verify(argv[1], argv[2] if len(argv) == 3 else None)
    except NotRevealed as state:
        print(f"NOT REVEALED YET: {state}")
        return 3
    except Mismatch as problem:
        print(f"MISMATCH: {problem}")
        return 1
    except (KeyError, ValueError) as problem:
        print(f"MISMATCH: unreadable published files ({type(problem).__name__}: {problem})")
        return 1
    print(f"MATCH: {count} selected firms; result.csv sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
