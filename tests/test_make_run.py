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


def make_run_env(var_dir: Path, port: int, count: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "STORAGE")}
    env.update(VAR_DIR=str(var_dir), RUN_ADDR=f"127.0.0.1:{port}", DEMO_COUNT=str(count))
    return env


def start_make_run(env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, float | None]:
    """Start `make run`; return it and the seconds until it served the gallery (None: never)."""
    port = env["RUN_ADDR"].rsplit(":", 1)[1]
    with open(log_path, "w") as log:
        started = time.monotonic()
        proc = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = started + 300
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if fetch(f"http://127.0.0.1:{port}/")[0] == 200:
                return proc, time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)  # polling a server that is still starting, bounded by deadline
    return proc, None


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


@pytest.mark.slow
def test_make_run_serves_gallery_and_admin(tmp_path):
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    port = free_port()
    env = make_run_env(tmp_path / "var", port, 4)
    proc, seconds = start_make_run(env, tmp_path / "make-run.log")
    try:
        output = (tmp_path / "make-run.log").read_text()
        assert seconds is not None, f"make run did not serve:\n{output[-3000:]}"
        status, body = fetch(f"http://127.0.0.1:{port}/")
        assert status == 200 and "Gallery" in body
        login_status, login = fetch(f"http://127.0.0.1:{port}/admin/login/")
        assert login_status == 200 and "password" in login.lower()
        assert "password:" in output, "the demo credentials are printed"
        assert f"Serving on http://127.0.0.1:{port}/" in output
    finally:
        stop(proc)


@pytest.mark.slow
def test_second_make_run_is_quick_and_quiet(tmp_path):
    """Run twice in one VAR_DIR: the second start skips all done work (a regression guard at
    60 s; README "Two commands" gives the figures measured). Seeding logs to a file, so the
    console shows progress, not JSON log lines."""
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    env = make_run_env(tmp_path / "var", free_port(), 3)
    times = []
    for run in ("first", "second"):
        log_path = tmp_path / f"make-run-{run}.log"
        proc, seconds = start_make_run(env, log_path)
        stop(proc)
        output = log_path.read_text()
        assert seconds is not None, f"{run} make run did not serve:\n{output[-3000:]}"
        times.append(seconds)
        setup = output.split("Serving on")[0]
        assert '"timestamp"' not in setup, f"log lines among the setup output:\n{setup[-2000:]}"
    print(f"make run (DEMO_COUNT=3): first start {times[0]:.1f} s, second start {times[1]:.1f} s")
    assert "0 new, 3 already present" in output
    assert "Collecting static files... unchanged" in output
    assert "already present" in output and "Seeding" not in output
    assert times[1] < 60, f"the second make run took {times[1]:.1f} s to serve"
    assert (tmp_path / "var" / "seed_demo.log").read_text().count('"asset.ingested"') == 3
