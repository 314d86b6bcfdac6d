"""portal.db.prepared_cursor: the statements of every uncached public page, prepared once
per connection on PostgreSQL, with the same answers as unprepared ones."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.db import prepared_cursor

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
SQL = "SELECT CAST(%s AS integer) + 1, CAST(%s AS text)"


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_it_answers_as_the_usual_cursor_and_is_counted():
    with CaptureQueriesContext(connection) as queries:
        with prepared_cursor() as cursor:
            cursor.execute(SQL, [41, "x"])
            first = cursor.fetchone()
            cursor.execute(SQL, [1, "y"])
            second = cursor.fetchone()
    assert first == (42, "x") and second == (2, "y")
    assert len(queries) == 2  # the query-count tests see these statements


@on_postgres
def test_it_prepares_a_statement_once_per_connection():
    with prepared_cursor() as cursor:
        cursor.execute(SQL, [1, "a"])
    statements = [s for s in prepared_statements() if "AS integer) + 1" in s]
    assert len(statements) == 1, statements
    with prepared_cursor() as cursor:
        cursor.execute(SQL, [2, "b"])
        assert cursor.fetchone() == (3, "b")
    assert len([s for s in prepared_statements() if "AS integer) + 1" in s]) == 1


@on_postgres
def test_django_s_own_cursor_prepares_nothing():
    with connection.cursor() as cursor:
        for value in range(8):  # beyond psycopg's automatic threshold
            cursor.execute("SELECT %s::int * 3", [value])
    assert not [s for s in prepared_statements() if "* 3" in s]


@on_postgres
def test_with_preparation_switched_off_it_answers_unprepared(monkeypatch):
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)
    with prepared_cursor() as cursor:
        cursor.execute("SELECT %s::int - 1", [5])
        assert cursor.fetchone() == (4,)
    assert not [s for s in prepared_statements() if "- 1" in s]


@on_postgres
def test_a_database_error_is_django_s():
    from django.db import DatabaseError

    with pytest.raises(DatabaseError), prepared_cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM credit_enterprise")


def test_production_settings_leave_preparation_to_the_environment():
    import subprocess
    import sys

    code = ("import os; os.environ.update(DJANGO_SETTINGS_MODULE='portal.settings', DATABASE_URL='postgres://u@h/db'); "
            "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['prepare_threshold'])")
    answers = {}
    for value in ("1", "0"):
        env = {"PATH": "/usr/bin:/bin", "DATABASE_PREPARED_STATEMENTS": value, "DJANGO_DEBUG": "1"}
        answers[value] = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                        check=True).stdout.strip()
    assert answers["0"] == "None"
    assert int(answers["1"]) > 1_000_000  # only statements asked for are prepared, never by count


@on_postgres
def test_a_long_statement_is_rewritten_for_the_server_once():
    """psycopg turns %s into $n on every execution of a statement over 4,096 bytes; the
    prepared cursor keeps the rewriting of its statements, whatever their length."""
    from psycopg._queries import _query2pg

    long_sql = "SELECT CAST(%s AS integer) * 2 /* " + "padding " * 700 + "*/, CAST(%s AS text) || '%%'"
    assert len(long_sql) > 4096
    with prepared_cursor() as cursor:
        cursor.execute(long_sql, [21, "x"])
        assert cursor.fetchone() == (42, "x%")
        hits = _query2pg.cache_info().hits
        cursor.execute(long_sql, [2, "y"])
        assert cursor.fetchone() == (4, "y%")
    assert _query2pg.cache_info().hits == hits + 1


@pytest.fixture
def health_checks():
    """Health checks on, as DATABASE_URL's settings have them, and the check not yet done (a new request)."""
    connection.ensure_connection()
    enabled = connection.health_check_enabled
    connection.health_check_enabled, connection.health_check_done = True, False
    yield
    connection.health_check_enabled = enabled


@on_postgres
def test_the_health_check_of_a_good_connection_sends_nothing(health_checks, monkeypatch):
    raw = connection.connection
    sent = []
    original = type(raw).execute
    monkeypatch.setattr(type(raw), "execute", lambda self, *args, **kwargs: sent.append(args) or original(self, *args, **kwargs))
    connection.close_if_health_check_failed()
    assert connection.connection is raw and connection.health_check_done
    assert sent == []  # Django's check would have asked SELECT 1


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_the_health_check_reopens_a_connection_the_server_closed(health_checks):
    import select
    import time

    import psycopg

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    connection.health_check_done = False
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k in {"dbname", "user", "host", "port", "password"}},
                         autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while not select.select([connection.connection.fileno()], [], [], 0.05)[0] and time.monotonic() < deadline:
        pass  # the server's FATAL message, then the end of the socket
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
