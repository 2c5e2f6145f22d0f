"""`make run` from this checkout: it migrates, seeds demo data and serves the site."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


@pytest.mark.slow
def test_make_run_serves_gallery_and_admin(tmp_path):
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "STORAGE")}
    env.update(VAR_DIR=str(tmp_path / "var"), RUN_ADDR=f"127.0.0.1:{port}", DEMO_COUNT="4")
    log = open(tmp_path / "make-run.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        ["make", "run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, body = fetch(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                time.sleep(0.5)  # polling a server that is still starting, bounded by deadline
        output = (tmp_path / "make-run.log").read_text()
        assert status == 200, f"make run did not serve (exit {proc.poll()}):\n{output[-3000:]}"
        assert "Gallery" in body
        login_status, login = fetch(f"http://127.0.0.1:{port}/admin/login/")
        assert login_status == 200 and "password" in login.lower()
        assert "password:" in output, "the demo credentials are printed"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
