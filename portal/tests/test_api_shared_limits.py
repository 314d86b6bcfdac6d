"""The API's limit counters are shared by every process through Redis (services run only): two
processes with their own Django (as two gunicorn workers or two machines would be) count one
client's requests together, and the second sees the first one's requests in its headers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [pytest.mark.services, pytest.mark.django_db]

ROOT = Path(settings.BASE_DIR)
CLIENT = """
import json, os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
django.setup()
from django.test import Client
answers = []
for _ in range(int(sys.argv[2])):
    response = Client().get("/api/v1/", REMOTE_ADDR=sys.argv[1])
    answers.append([response.status_code, response["RateLimit-Limit"], response["RateLimit-Remaining"]])
print(json.dumps(answers))
"""


def run_client(address: str, requests: int) -> list[list]:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
               REDIS_URL=settings.REDIS_URL, API_ANON_RATE="10", API_RATE_WINDOW="3600")
    done = subprocess.run([sys.executable, "-c", CLIENT, address, str(requests)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_processes_share_one_clients_counter_through_redis():
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    first = run_client(address, 6)
    assert [a[0] for a in first] == [200] * 6 and [int(a[2]) for a in first] == [9, 8, 7, 6, 5, 4]
    second = run_client(address, 6)
    assert [a[0] for a in second] == [200] * 4 + [429] * 2
    assert [int(a[2]) for a in second] == [3, 2, 1, 0, 0, 0]
    assert {a[1] for a in first + second} == {"10"}
    # Another address in either process has a counter of its own.
    assert run_client(address + "1", 1)[0][:3] == [200, "10", "9"]
