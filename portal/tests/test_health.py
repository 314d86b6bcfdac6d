from __future__ import annotations

import logging

import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db

REFUSED = 'connection to server at "10.20.30.40", port 5999 failed: Connection refused'


def test_it_reports_healthy_as_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "broker": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_naming_the_failing_dependency_but_not_its_address(client, monkeypatch, caplog):
    def refuse():
        raise OperationalError(REFUSED)

    monkeypatch.setattr(connection, "cursor", refuse)
    caplog.set_level(logging.WARNING, logger="portal.health")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body == {"status": "unavailable", "checks": {"database": "fail", "broker": "ok", "cache": "ok"}}
    text = response.content.decode()
    assert "10.20.30.40" not in text and "5999" not in text and "refused" not in text
    # The reason is in the log, for the operators.
    assert any("10.20.30.40" in record.getMessage() for record in caplog.records)


def test_it_names_a_failing_broker_without_its_address(client, settings, caplog):
    from portal.tests.fault_servers import closed_port

    port = closed_port()
    settings.REDIS_URL = settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/3"
    caplog.set_level(logging.WARNING, logger="portal.health")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "fail"
    assert str(port) not in response.content.decode()
    assert any(str(port) in record.getMessage() for record in caplog.records)
