"""The fault harness: a private redis-server that a test may restart, and real RQ worker
processes (``manage.py run_worker``) sharing the test's database, storage and settings.

Workers run with a 1 s heartbeat and a 2 s healing interval (JOBS_HEARTBEAT_SECONDS,
JOBS_HEAL_INTERVAL), so healing is bounded in seconds. The test plays the supervisor: when it
kills a worker, it starts a new one, as systemd's ``Restart=always`` would.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
HEARTBEAT, HEAL_INTERVAL = 1, 2
# Settings the workers must share with the test process (the autouse fixtures change them).
SHARED = (
    "STORAGES", "MEDIA_ROOT", "DERIVATIVE_WIDTHS", "DERIVATIVE_RETRY_INTERVALS",
    "DERIVATIVE_MAX_ATTEMPTS", "CDN_BACKENDS", "DELIVERY_PUBLIC_BASE_URL",
    "CDN_PURGE_RETRY_INTERVALS", "CDN_PURGE_MAX_ATTEMPTS", "CDN_PURGE_TIMEOUT",
    "MODERATION_CLASSIFIERS", "MODERATION_PUBLISH_ON_APPROVE", "DERIVATIVE_QUEUE_MAX_DEPTH",
    "DERIVATIVE_RATIOS", "SOCIAL_CARD_RATIO", "SOCIAL_CARD_WIDTH", "DERIVATIVE_PRECOMPUTE",
)  # fmt: skip


def wait_until(check: Callable[[], object], timeout: float, step: float = 0.1) -> float:
    """Poll ``check`` until it is truthy; return the seconds it took (fail after ``timeout``)."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not healed within {timeout} s: {getattr(check, '__doc__', check)}")
        time.sleep(step)
    return time.monotonic() - started


class PrivateRedis:
    """redis-server on a free loopback port, no persistence: a restart loses everything."""

    def __init__(self, workdir: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        import redis

        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the private redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()  # a crash: nothing saved, nothing flushed
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    if not Path(REDIS_SERVER).exists():
        need("redis-server", "apt-get install redis-server")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fault_rq(settings, private_redis, transactional_db) -> PrivateRedis:
    """The test process enqueues to the private Redis, with the workers' timings."""
    settings.JOBS_INLINE = False
    settings.RQ_QUEUES = {n: {"URL": private_redis.url} for n in settings.JOB_QUEUES}
    settings.JOBS_HEARTBEAT_SECONDS = HEARTBEAT
    settings.JOBS_HEAL_INTERVAL = HEAL_INTERVAL
    settings.MODERATION_CLASSIFIERS = []  # the policy alone: fast and deterministic
    return private_redis


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    out = []
    for child in children(pid):
        out += [child, *descendants(child)]
    return out


def is_horse(pid: int) -> bool:
    """rq's work horse calls setpgrp(): it leads its own process group."""
    try:
        return os.getpgid(pid) == pid
    except ProcessLookupError:
        return False


class Workers:
    """``manage.py run_worker`` processes; the test is their supervisor."""

    def __init__(self, env: Callable[[], dict[str, str]], logdir: Path) -> None:
        self.env, self.logdir, self.procs = env, logdir, []

    def start(self, pool: str) -> subprocess.Popen:
        log = (self.logdir / f"worker-{pool}-{len(self.procs)}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", pool],
            cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        proc.pool = pool  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    def horse(self, proc: subprocess.Popen) -> int | None:
        return next((p for p in descendants(proc.pid) if is_horse(p)), None)

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL the worker and everything it started (as a cgroup kill would)."""
        for pid in [proc.pid, *descendants(proc.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill(proc)
            for pid in descendants(proc.pid) if proc.poll() is None else []:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-4000:] for p in self.logdir.glob("*.log"))


@pytest.fixture
def workers(settings, fault_rq, tmp_path) -> Iterator[Workers]:
    logdir = tmp_path / "worker-logs"
    logdir.mkdir()
    pool = Workers(lambda: worker_env(settings, fault_rq), logdir)
    yield pool
    pool.stop_all()


def worker_env(settings, redis: PrivateRedis) -> dict[str, str]:
    """The environment of a worker process, from the test's settings at the time it starts."""
    overrides = {name: getattr(settings, name) for name in SHARED if hasattr(settings, name)}
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis.url,
        "VAR_DIR": str(settings.VAR_DIR),
        "SECRET_KEY": settings.SECRET_KEY,
        "JOBS_HEARTBEAT_SECONDS": str(HEARTBEAT),
        "JOBS_HEAL_INTERVAL": str(HEAL_INTERVAL),
        "LOG_FORMAT": "plain",
        "AIASSETS_TEST_OVERRIDES": json.dumps(overrides, default=str),
    }
