"""The draw's optional worker-process engine: step 4's pair hashing spread over a process
pool (DRAW_PROCESSES, used from DRAW_PARALLEL_MIN_PAIRS pairs on). The result is the one
algorithm.py computes in one process, byte for byte; this module only decides who hashes.

With fork, pool workers start in milliseconds and only run _worker_rank. Inside a Celery
prefork worker (a daemonic process, which multiprocessing forbids to have children) the
pool is billiard's. Where no pool can be had, or one breaks, step 4 runs in this process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import compress

from inspections.draw import algorithm
from inspections.draw.algorithm import DrawResult, Picker

logger = logging.getLogger(__name__)

# Below this many (firm, inspector) pairs a worker pool costs more than it saves.
PARALLEL_MIN_PAIRS = 2_000_000
# Pairs a worker hashes per batch (about a tenth of a second).
_BATCH_PAIRS = 200_000
# A batch takes well under a second; a pool that has not answered in this long is broken.
_BATCH_TIMEOUT = 600


def picker(processes: int = 1, parallel_min_pairs: int | None = None) -> Picker:
    """An algorithm.Picker that ranks with `processes` worker processes when a draw has at
    least `parallel_min_pairs` (firm, inspector) pairs (default PARALLEL_MIN_PAIRS), and
    in this process otherwise or when no pool works."""
    if processes <= 1:
        return algorithm.assign_serial

    def pick(seed, firms, raws, *, team_size, workload_cap):
        threshold = PARALLEL_MIN_PAIRS if parallel_min_pairs is None else parallel_min_pairs
        if len(firms) * len(raws) >= threshold:
            teams = _assign_parallel(seed, firms, raws, team_size=team_size, workload_cap=workload_cap,
                                     processes=processes)
            if teams is not None:
                return teams
        return algorithm.assign_serial(seed, firms, raws, team_size=team_size, workload_cap=workload_cap)

    return pick


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
    """algorithm.assign_teams, its hashing spread over `processes` worker processes."""
    return algorithm.assign_teams(seed, chosen, roster, exclusions, team_size=team_size, workload_cap=workload_cap,
                                  pick=picker(processes, parallel_min_pairs))


def run_draw(*, processes: int = 1, parallel_min_pairs: int | None = None, **arguments) -> DrawResult:
    """algorithm.run_draw (same keyword arguments) with worker processes."""
    return algorithm.run_draw(pick=picker(processes, parallel_min_pairs), **arguments)


def run_draw_from_files(
    files: Mapping[str, bytes],
    *,
    secret: bytes,
    public_entropy: str,
    processes: int = 1,
    parallel_min_pairs: int | None = None,
) -> DrawResult:
    """algorithm.run_draw_from_files with worker processes: `processes` > 1 spreads the pair
    hashing over that many when the draw has at least `parallel_min_pairs` pairs (same result)."""
    return algorithm.run_draw_from_files(files, secret=secret, public_entropy=public_entropy,
                                         pick=picker(processes, parallel_min_pairs))


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
        ids, codes = algorithm.without(open_ids, open_raws, skip)
        best = algorithm.ranked(algorithm.pair_prefix(seed, uscc), codes, m)
        out.append((len(ids), [ids[position] for position in best]))
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
                        ids, codes = algorithm.without(open_ids, [raws[number] for number in open_ids], skip)
                        best = algorithm.ranked(algorithm.pair_prefix(seed, uscc), codes, team_size)
                        team = [ids[position] for position in best]
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
