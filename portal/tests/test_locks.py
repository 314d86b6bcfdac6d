"""A periodic task started twice at once runs once (issue 8: two beat schedulers)."""

from __future__ import annotations

import pytest
from django.db import connection, connections

from portal import locks

pytestmark = pytest.mark.django_db


def test_a_task_started_while_another_run_holds_its_lock_is_skipped():
    calls = []

    @locks.single_run("tests.job")
    def job():
        calls.append(1)
        # A second start while this one runs: skipped.
        assert nested() is None
        return "done"

    @locks.single_run("tests.job")
    def nested():
        calls.append(2)
        return "nested"

    if connection.vendor == "postgresql":
        # Session advisory locks are re-entrant within one session: the rival is another connection.
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [locks.lock_key("tests.job")])
            assert nested() is None
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [locks.lock_key("tests.job")])
        finally:
            other.close()
        assert nested() == "nested"
        assert calls == [2]
    else:
        assert job() == "done"
        assert calls == [1]
        assert nested() == "nested"  # released after the run
        assert calls == [1, 2]


def test_the_daily_expiry_and_the_requeue_are_single_run():
    from inspections.tasks import draws_requeue_task
    from listings.tasks import list_entries_expire_task

    with locks.exclusive("listings.entries_expire") as held, locks.exclusive("inspections.draws_requeue") as also:
        assert held and also
        if connection.vendor != "postgresql":  # on PostgreSQL the same session may take its lock again
            assert list_entries_expire_task.run() is None
            assert draws_requeue_task.run() is None
    assert list_entries_expire_task.run() == 0
