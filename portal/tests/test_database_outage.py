"""PostgreSQL (or SQLite) unreachable: pages answer 503 with Retry-After from a static page."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from portal.tests.fault_servers import closed_port

pytestmark = pytest.mark.django_db

REFUSED = 'connection to server at "10.20.30.40", port 5999 failed: Connection refused'


@pytest.fixture
def database_down(monkeypatch):
    """Every new cursor fails as when the server refuses connections."""

    def refuse(*args, **kwargs):
        raise OperationalError(REFUSED)

    monkeypatch.setattr(connection, "cursor", refuse)
    monkeypatch.setattr(connection, "chunked_cursor", refuse)
    # portal.db.prepared_cursor makes its cursor itself, then wraps it as every cursor is wrapped.
    monkeypatch.setattr(connection, "_prepare_cursor", refuse)


@pytest.mark.parametrize("path", ["/", "/search/?q=beijing", "/lists/", "/enterprises/911101084JURQ2830A/"])
def test_public_pages_answer_503_with_retry_after(client, database_down, settings, path):
    settings.DB_RETRY_AFTER_SECONDS = 45
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "45"
    assert "no-cache" in response["Cache-Control"]
    assert [t.name for t in response.templates] == ["503.html"]
    body = response.content.decode()
    assert "暂时无法访问" in body and "45" in body
    assert "10.20.30.40" not in body


def test_the_503_page_speaks_english_when_asked(database_down):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/")
    assert response.status_code == 503
    body = response.content.decode()
    assert "Temporarily unavailable" in body and 'lang="en"' in body


def test_the_503_page_follows_the_language_cookie(database_down, settings):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "暂时无法访问" in client.get("/").content.decode()


def test_a_sign_in_while_the_database_is_down_answers_503(database_down):
    for path in ("/admin/login/", "/account/login/"):
        response = Client().post(path, {"username": "someone", "password": "secret"})
        assert response.status_code == 503, path


class FailAfterTheView:
    """Stands for a middleware that writes after the view (as the session middleware does)."""

    error: Exception = InterfaceError("connection already closed")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self.get_response(request)
        raise self.error


@pytest.fixture
def fail_after_the_view(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "portal.tests.test_database_outage.FailAfterTheView"]
    yield FailAfterTheView
    FailAfterTheView.error = InterfaceError("connection already closed")


def test_a_database_error_after_the_view_answers_503_instead_of_500(fail_after_the_view):
    response = Client(raise_request_exception=False).get("/healthz")
    assert response.status_code == 503
    assert response["Retry-After"] and "503.html" in [t.name for t in response.templates]


def test_other_errors_still_answer_500(fail_after_the_view):
    fail_after_the_view.error = RuntimeError("a bug, not an outage")
    response = Client(raise_request_exception=False).get("/healthz")
    assert response.status_code == 500
    assert "Retry-After" not in response


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_refused_postgresql_connection_answers_503(client):
    """The real driver error: the connection is pointed at a closed port of this machine."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = str(closed_port())
    connection.settings_dict["HOST"] = "127.0.0.1"
    try:
        response = client.get("/")
        assert response.status_code == 503
        assert response["Retry-After"]
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert client.get("/").status_code == 200
