"""Django's PostgreSQL backend, with a health check that costs no round trip.

With CONN_HEALTH_CHECKS, Django checks a persistent connection before the first query of each request
by running `SELECT 1`: one more round trip on every request that reads the database (on a progress
update it was one of four). A connection that PostgreSQL has ended (a restart, pg_terminate_backend,
an idle timeout) is told so before the socket closes: the server sends its FATAL message, or the
socket reaches EOF. Either way the socket becomes readable while the connection is idle, which a
healthy idle connection never is (every reply is read in full by the query that asked for it; the
site uses no LISTEN). So the check asks the socket, without waiting: readable, or not idle, or not
OK at libpq's level, means unusable, and Django reconnects before the request's first query as it
would after a failed `SELECT 1`.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed:
            return False
        try:
            if connection.pgconn.status != pq.ConnStatus.OK:
                return False
            if connection.pgconn.transaction_status != pq.TransactionStatus.IDLE:
                return False
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError, base.Database.Error):
            return False
        return not readable
