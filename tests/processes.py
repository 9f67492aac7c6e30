"""Start the real web server and Celery workers as separate processes, pointed
at the test database, so end-to-end tests cross real process boundaries."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_database_url() -> str:
    db = connection.settings_dict
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host", "")
    port = db.get("PORT") or db.get("OPTIONS", {}).get("port", "") or "5432"
    user = db.get("USER") or "postgres"
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    if host.startswith("/"):
        return f"postgres://{user}{password}@/{db['NAME']}?host={quote(host)}&port={port}"
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def service_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=test_database_url(),
        DJANGO_SETTINGS_MODULE="factcheck.settings",
        HF_HUB_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def web_server(env: dict[str, str], log: Path, *, workers: int = 1, threads: int = 4, boot_timeout: float = 60):
    """gunicorn serving the project; yields its base URL once /health/ answers."""
    port = free_port()
    command = [BIN / "gunicorn", "factcheck.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers)]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*command, "--threads", str(threads), "-t", "120"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"web server exited: {log.read_text()[-2000:]}")
            try:
                return httpx.get(f"{base}/health/", timeout=1).status_code < 500
            except httpx.HTTPError:
                return False

        try:
            wait_for(up, timeout=boot_timeout, what="the web server")
            yield base
        finally:
            _stop(proc)


@contextmanager
def celery_worker(
    env: dict[str, str],
    log: Path,
    *,
    queues: str = "default,extraction,embedding,matching",
    name: str = "worker",
    extra_args: tuple[str, ...] = (),
    app: str = "factcheck",
):
    """A real Celery worker process; yields the Popen so a test can kill it.
    `app` may name a test module that wraps the project's Celery app."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                BIN / "celery",
                "-A",
                app,
                "worker",
                "-Q",
                queues,
                "-c",
                "1",
                "-n",
                f"{name}@%h",
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
                *extra_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield proc
        finally:
            _stop(proc)


class RedisServer:
    """A throwaway redis-server on its own port, for tests that stop and restart
    the broker; the machine's shared Redis on 6379 is never touched."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        # No persistence: a restart loses every queued message, the worst case.
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.is_up, timeout=20, what=f"redis-server on port {self.port}", interval=0.1)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None

    def is_up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextmanager
def redis_server(workdir: Path):
    server = RedisServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
