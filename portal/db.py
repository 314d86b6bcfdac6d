"""Statements that PostgreSQL parses and plans once per connection.

The credit file's probe (credit.sections) asks about every section in one statement of some
20,000 characters: PostgreSQL spends longer planning it (4-6 ms at 1,000,000 enterprises)
than running it, and most of an uncached file's database time went there. Its text is the
same for every enterprise (only the parameters differ), so the few statements that run on
every uncached public page are prepared on the server the first time a connection runs them
and executed from then on by name.

Everything else goes through Django's usual cursor, which binds its parameters on the client
(Django's default: any queryset works that way) and is never prepared. Only statements
whose plan does not depend on their parameters' values belong here: a statement whose best
plan depends on a value (a search term's frequency) must stay unprepared, or PostgreSQL may
settle on one generic plan for every value.

A connection pooler in transaction mode that does not track prepared statements (PgBouncer
before 1.21, or without `max_prepared_statements`) cannot run them: set
DATABASE_PREPARED_STATEMENTS=0 and these statements are sent unprepared, with the same results
(settings.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

try:  # psycopg 3; absent on an installation that only runs SQLite
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg._queries import PostgresQuery, _query2pg
    from psycopg.pq import Format
except ImportError:  # pragma: no cover - psycopg is in requirements.txt
    ServerBindingCursor = None


if ServerBindingCursor is not None:

    class _KeptConversion(PostgresQuery):
        """A statement's placeholder rewriting (`%s` into `$1`, `$2`, ...) kept for every
        statement this cursor runs, whatever its length.

        psycopg rewrites on every execution and keeps the result only for statements under
        4,096 bytes with at most 50 parameters; the sections' probe (some 20,000 bytes) was
        rewritten again for every file. The statements prepared here are a fixed few, so
        they fit psycopg's own cache of 128, which only server-binding cursors (this one)
        use: Django's client-binding cursors keep theirs apart."""

        __slots__ = ()

        def convert(self, query, vars):
            if vars is None or not isinstance(query, str | bytes):
                return super().convert(query, vars)
            self.query, self._want_formats, self._order, self._parts = _query2pg(
                self._ensure_bytes(query), self._tx.encoding)
            self.dump(vars)

    class _PreparingCursor(ServerBindingCursor):
        """Binds on the server and asks psycopg to prepare each statement at its first run;
        psycopg keeps the names per connection (at most `prepared_max`, least recently used
        first out) and does nothing when the connection's `prepare_threshold` is None."""

        _query_cls = _KeptConversion

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)


@contextmanager
def prepared_cursor() -> Iterator:
    """A cursor like `connection.cursor()` (Django's wrapper: counted by the query-count
    tests, its errors turned into Django's) whose statements are prepared on PostgreSQL.
    On another database it is `connection.cursor()`."""
    if connection.vendor != "postgresql" or ServerBindingCursor is None:
        with connection.cursor() as cursor:
            yield cursor
        return
    # As connection.cursor() does (BaseDatabaseWrapper._cursor and the backend's create_cursor),
    # with the cursor class swapped.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _PreparingCursor(connection.connection)
        tzloader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != tzloader.timezone:
            register_tzloader(connection.timezone, raw)
        cursor = connection._prepare_cursor(raw)
    with cursor:
        yield cursor
