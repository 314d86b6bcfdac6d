"""A bounded loopback load on a running server: N requests from C client threads.

    .venv/bin/python bench/listings_load.py http://127.0.0.1:8031/lists/abnormal-operations/ -n 400 -c 2

Prints requests per second and the latency percentiles seen by the clients (the client
threads share the machine's cores with the server, so these are upper bounds).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import urllib.request


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("-n", type=int, default=400)
    parser.add_argument("-c", type=int, default=2)
    args = parser.parse_args()
    for _ in range(10):
        urllib.request.urlopen(args.url).read()
    timings: list[float] = []
    lock = threading.Lock()
    remaining = [args.n]

    def worker() -> None:
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            started = time.perf_counter()
            with urllib.request.urlopen(args.url) as response:
                response.read()
                assert response.status == 200
            with lock:
                timings.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.c)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(timings)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    print(f"{args.url}: {len(timings)} requests, {len(timings) / elapsed:.0f} req/s, "
          f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms (c={args.c})")


if __name__ == "__main__":
    main()
