"""Django's PostgreSQL backend, with a health check that costs no round trip.

With CONN_HEALTH_CHECKS Django asks `SELECT 1` before the first query of every request
that reuses a connection: on a page served from the cache (one version query) that is a
second round trip, and a third of the page's database work. A server that went away
(restarted, stopped, the backend terminated) has closed its end of the socket, or sent its
FATAL message first, so the socket of an idle connection that is still good has nothing to
read. Here the check looks at the socket; only when there is something to read does it ask
`SELECT 1` as Django does, and a connection that fails it is closed and opened again.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import Error, pq


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        if self.pool:
            return  # as Django's: the pool only hands out healthy connections
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if not self._looks_alive() and not self.is_usable():
            self.close()
        self.health_check_done = True

    def _looks_alive(self) -> bool:
        """The connection is open, idle outside any transaction, and the server has sent
        nothing since the last answer. Anything else is asked with SELECT 1 as Django does.
        A peer gone without closing (a firewall dropping an idle connection) is not seen here:
        the request's first query waits until TCP gives up on it (set keepalives or
        tcp_user_timeout in the connection's options where such firewalls are), then fails,
        answers 503, and the connection is closed with it."""
        connection = self.connection
        try:
            if connection.closed or connection.broken or connection.info.transaction_status != pq.TransactionStatus.IDLE:
                return False
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            return not poller.poll(0)
        except (Error, OSError, ValueError):
            return False
