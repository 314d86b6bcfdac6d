"""SQL queries per credit-file page, run by bench/compare_trees.py inside one code tree:

    python bench_overlay_queries.py < usccs.json > result.json

For each USCC read from stdin (a JSON list): GET /enterprises/<USCC>/ through the test
Client with an empty cache (uncached page), then again (cached page), counting the SQL
queries of each with CaptureQueriesContext. Prints one JSON object: per USCC the status,
the two query counts, the uncached wall time in this process and a hash of the page.
The environment (DJANGO_SETTINGS_MODULE, DATABASE_URL, ...) comes from the harness.
"""

import hashlib
import json
import re
import sys
import time

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

# Per-response tokens (CSRF, CSP nonces) would make identical pages hash differently.
VOLATILE = re.compile(rb'(csrfmiddlewaretoken" value="|nonce="|csrf_token" content=")[^"]*')


def measure(client: Client, uscc: str) -> dict:
    path = f"/enterprises/{uscc}/"
    cache.clear()
    with CaptureQueriesContext(connection) as uncached:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
    with CaptureQueriesContext(connection) as cached:
        client.get(path)
    body = VOLATILE.sub(rb"\1", response.content)
    return {
        "status": response.status_code,
        "queries": len(uncached.captured_queries),
        "queries_cached": len(cached.captured_queries),
        "ms": round(elapsed * 1000, 2),
        "bytes": len(response.content),
        "sha256": hashlib.sha256(body).hexdigest(),
    }


def main() -> int:
    usccs = json.load(sys.stdin)
    client = Client()
    if usccs:
        measure(client, usccs[0])  # first request of the process: imports, compiled SQL
    print(json.dumps({uscc: measure(client, uscc) for uscc in usccs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
