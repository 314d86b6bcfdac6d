from __future__ import annotations

import pytest

from portal import health

pytestmark = pytest.mark.django_db


def test_it_reports_healthy_as_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_with_the_reason_when_the_database_check_fails(client, monkeypatch):
    monkeypatch.setattr(health, "check_database", lambda: (False, "database unreachable: OperationalError: boom"))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": False, "detail": "database unreachable: OperationalError: boom"}
