"""Step 4's fast paths (serial, worker pool, billiard pool, fallbacks) against a plain
transcription of docs/draw.md that hashes every pair with `algorithm.pair_hash`."""

from __future__ import annotations

import multiprocessing
import os
import random

import pytest

from inspections.draw import algorithm, engine


def plain_assign(seed, chosen, roster, exclusions, *, team_size, workload_cap):
    """docs/draw.md §8 word for word, with no shortcut at all."""
    roster = sorted(set(roster))
    chosen_usccs = {uscc for _, uscc, _ in chosen}
    excluded = {(code, uscc) for code, uscc in exclusions if uscc in chosen_usccs and code in roster}

    def eligible(uscc):
        return [code for code in roster if (code, uscc) not in excluded]

    load = dict.fromkeys(roster, 0)
    teams = {}
    for _ticket, uscc, _cls in sorted(chosen, key=lambda row: (len(eligible(row[1])), row[0], row[1])):
        candidates = sorted(
            (algorithm.pair_hash(seed, uscc, code), code) for code in eligible(uscc) if load[code] < workload_cap
        )
        if len(candidates) < team_size:
            teams[uscc] = ()
            continue
        teams[uscc] = tuple(code for _, code in candidates[:team_size])
        for code in teams[uscc]:
            load[code] += 1
    return teams


def random_case(rnd: random.Random, inspectors: int = 40, firms: int = 70, exclusions: int = 120):
    seed = rnd.randbytes(32).hex()
    roster = [f"I{rnd.randrange(10**6):06d}" for _ in range(rnd.randint(0, inspectors))]
    chosen = [(rnd.randbytes(32).hex(), f"9111{n:014d}", "A") for n in range(rnd.randint(0, firms))]
    usccs = [uscc for _, uscc, _ in chosen] + ["91000000000000000X"]
    pairs = [(rnd.choice(roster + ["NOT-ON-ROSTER"]), rnd.choice(usccs)) for _ in range(rnd.randint(0, exclusions))]
    return seed, chosen, roster, pairs, rnd.randint(2, 3), rnd.randint(1, 4)


# The last few have rosters large enough for the block-minimum selection in _smallest.
CASES = [random_case(random.Random(number)) for number in range(60)] + [
    random_case(random.Random(number), inspectors=3000, firms=40, exclusions=400) for number in range(60, 64)
]


def test_it_gives_the_plain_result_in_one_process():
    unassigned = 0
    for seed, chosen, roster, exclusions, team_size, cap in CASES:
        expected = plain_assign(seed, chosen, roster, exclusions, team_size=team_size, workload_cap=cap)
        got = algorithm.assign_teams(seed, chosen, roster, exclusions, team_size=team_size, workload_cap=cap)
        assert got == expected
        unassigned += sum(1 for team in expected.values() if not team)
    assert unassigned > 50  # the cases do exercise firms left without a team


def test_it_gives_the_plain_result_with_worker_processes(monkeypatch):
    monkeypatch.setattr(engine, "_BATCH_PAIRS", 50)  # many small batches, so many snapshots
    for seed, chosen, roster, exclusions, team_size, cap in CASES[:20]:
        expected = plain_assign(seed, chosen, roster, exclusions, team_size=team_size, workload_cap=cap)
        got = engine.assign_teams(seed, chosen, roster, exclusions, team_size=team_size, workload_cap=cap,
                                processes=2, parallel_min_pairs=0)
        assert got == expected


def test_it_ranks_again_when_the_candidates_filled_up_and_still_agrees(monkeypatch):
    """Few candidates per firm and stale snapshots force the re-ranking path."""
    monkeypatch.setattr(engine, "_BATCH_PAIRS", 400)
    again = []
    original = algorithm.ranked

    def spy(prefix, codes, m):
        # Ranking for the workers happens in other processes; calls here are re-rankings.
        again.append(m)
        return original(prefix, codes, m)

    monkeypatch.setattr(algorithm, "ranked", spy)
    for seed, chosen, roster, exclusions, team_size, cap in CASES:
        raws, firms, index = _firms(chosen, roster, exclusions)
        expected = plain_assign(seed, chosen, roster, exclusions, team_size=team_size, workload_cap=cap)
        picked = engine._assign_parallel(seed, firms, raws, team_size=team_size, workload_cap=cap, processes=2,
                                       candidates=team_size)
        assert picked is not None
        assert {uscc: tuple(index[i] for i in team) for (uscc, _), team in zip(firms, picked, strict=True)} == expected
    assert len(again) > 20


def _firms(chosen, roster, exclusions):
    """The arguments assign_teams hands to the internal paths."""
    codes = sorted(set(roster))
    position = {code: n for n, code in enumerate(codes)}
    excluded: dict[str, set[int]] = {}
    for code, uscc in exclusions:
        if code in position:
            excluded.setdefault(uscc, set()).add(position[code])
    order = sorted(chosen, key=lambda row: (len(codes) - len(excluded.get(row[1], ())), row[0], row[1]))
    firms = [(uscc, tuple(sorted(excluded.get(uscc, ())))) for _, uscc, _ in order]
    return [code.encode("ascii") for code in codes], firms, codes


def _die(*args):
    os._exit(3)


def test_it_falls_back_to_one_process_when_a_worker_dies(monkeypatch, caplog):
    monkeypatch.setattr(engine, "_worker_rank", _die)  # forked workers inherit the patch
    seed, chosen, roster, exclusions, team_size, cap = CASES[7]
    expected = plain_assign(seed, chosen, roster, exclusions, team_size=team_size, workload_cap=cap)
    got = engine.assign_teams(seed, chosen, roster, exclusions, team_size=team_size, workload_cap=cap,
                            processes=2, parallel_min_pairs=0)
    assert got == expected
    assert "worker pool failed" in caplog.text


def test_it_falls_back_to_one_process_without_a_pool(monkeypatch):
    monkeypatch.setattr(engine, "_open_pool", lambda processes, raws: None)
    seed, chosen, roster, exclusions, team_size, cap = CASES[3]
    expected = plain_assign(seed, chosen, roster, exclusions, team_size=team_size, workload_cap=cap)
    assert engine.assign_teams(seed, chosen, roster, exclusions, team_size=team_size, workload_cap=cap,
                             processes=2, parallel_min_pairs=0) == expected


def _in_daemon(queue, case):
    seed, chosen, roster, exclusions, team_size, cap = case
    pools = []
    original = engine._open_pool

    def spy(processes, raws):
        pool = original(processes, raws)
        pools.append(type(pool).__name__)
        return pool

    engine._open_pool = spy
    teams = engine.assign_teams(seed, chosen, roster, exclusions, team_size=team_size, workload_cap=cap,
                              processes=2, parallel_min_pairs=0)
    queue.put((teams, pools, multiprocessing.current_process().daemon,
               [child.name for child in multiprocessing.active_children()]))


def test_it_uses_billiard_workers_inside_a_daemonic_process():
    """A Celery prefork worker runs tasks in daemonic processes, which multiprocessing
    forbids to have children; the draw then uses a billiard pool (still exact)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    case = CASES[11]
    child = context.Process(target=_in_daemon, args=(queue, case), daemon=True)
    child.start()
    teams, pools, daemonic, left = queue.get(timeout=60)
    child.join(timeout=30)
    seed, chosen, roster, exclusions, team_size, cap = case
    assert daemonic and pools == ["_BilliardExecutor"] and left == []
    assert teams == plain_assign(seed, chosen, roster, exclusions, team_size=team_size, workload_cap=cap)


@pytest.mark.parametrize("m", [1, 2, 5, 16])
def test_it_finds_the_smallest_digests_like_a_sort(m):
    rnd = random.Random(m)
    for n in (0, 1, 3, 255, 256, 257, 2047, 2048, 5000):
        digests = [rnd.randbytes(2) for _ in range(n)]  # short: many ties, broken by position
        assert algorithm._smallest(digests, m) == sorted(zip(digests, range(n), strict=True))[:m]


@pytest.mark.parametrize("spread", ["default", "too narrow"])
def test_it_selects_the_firms_a_full_sort_selects(monkeypatch, spread):
    if spread == "too narrow":  # forces the bound to be widened, often more than once
        monkeypatch.setattr(algorithm, "_first_spread", lambda k: max(1, k // 8))
    rnd = random.Random(spread)
    for _ in range(12):
        seed = rnd.randbytes(32).hex()
        pool = [(f"9111{n:014d}", rnd.choice("ABCD")) for n in rnd.sample(range(10**6), rnd.randint(0, 3000))]
        ratios = {cls: rnd.choice(["0", "0.01", "0.03", "0.1", "0.5", "1"]) for cls in algorithm.RISK_CLASSES}
        expected = []
        for cls in algorithm.RISK_CLASSES:
            members = [uscc for uscc, risk in pool if risk == cls]
            k = algorithm.quota(len(members), ratios[cls])
            expected += [(t, u, cls) for t, u in sorted((algorithm.ticket_of(seed, u), u) for u in members)[:k]]
        assert algorithm.select_firms(seed, pool, ratios)[1] == expected
