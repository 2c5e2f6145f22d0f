"""Real production processes for tests: gunicorn web hosts and RQ worker hosts, each with its
own VAR_DIR (as on separate machines), sharing the database, Redis and S3 through the
environment, exactly as deploy/ runs them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
LISTENING = re.compile(r"Listening at: http://([\d.]+:\d+)")
KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "CI", "PYTHONPATH", "SYSTEMROOT")


def database_url() -> str:
    """The test database as a URL for other processes (PostgreSQL in CI, the SQLite file here)."""
    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def shared_env(
    *, redis_url: str, s3_endpoint: str, signer: Path | None = None, **extra: str
) -> dict:
    """What every host gets from /etc/aiassets/env: one key, one database, one Redis, one S3.

    With no ``signer`` directory, C2PA uses the development signer derived from SECRET_KEY
    (the same on every host); with one, its key and chain by path."""
    env = {k: v for k, v in os.environ.items() if k in KEEP}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="shared-multi-host-test-key-" + "s" * 40,
        DATABASE_URL=database_url(),
        REDIS_URL=redis_url,
        STORAGE="s3",
        AWS_S3_ENDPOINT_URL=s3_endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_ORIGINALS_BUCKET="test-originals",
        AWS_VARIANTS_BUCKET="test-variants",
        DERIVATIVE_WIDTHS="320,640",
        DERIVATIVE_RATIOS="",  # no crops: the counts below are widths × formats
        DERIVATIVE_PRECOMPUTE="*",  # every format built at once (ready counts below)
        SOCIAL_CARD_WIDTH="0",
        DERIVATIVE_RETRY_INTERVALS="1,1",
        API_RATE_REQUESTS_PER_MINUTE="0",
        LOG_FORMAT="plain",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    if signer is not None:
        env.update(C2PA_SIGNER_KEY=str(signer / "signer.key"))
        env.update(C2PA_SIGNER_CHAIN=str(signer / "chain.pem"))
    env.update(extra)
    return env


@dataclass
class Host:
    """One process group standing for one machine."""

    name: str
    proc: subprocess.Popen
    log: Path
    var_dir: Path
    address: str = ""
    env: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def _spawn(name: str, argv: list[str], env: dict, tmp: Path) -> Host:
    var_dir = tmp / name / "var"
    var_dir.mkdir(parents=True)
    env = {**env, "VAR_DIR": str(var_dir)}
    log = tmp / name / "output.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Host(name, proc, log, var_dir, env=env)


def start_web(name: str, env: dict, tmp: Path, *, workers: int = 2, threads: int = 4) -> Host:
    """gunicorn with deploy/gunicorn.conf.py on a free loopback port; ready when /readyz is."""
    env = {**env, "WEB_BIND": "127.0.0.1:0", "WEB_WORKERS": str(workers)}
    env["WEB_THREADS"] = str(threads)
    argv = [str(GUNICORN), "config.wsgi:application", "-c", "deploy/gunicorn.conf.py"]
    host = _spawn(name, argv, env, tmp)
    deadline = time.monotonic() + 60
    while not host.address:
        if match := LISTENING.search(host.log.read_text(errors="replace")):
            host.address = match.group(1)
        elif host.proc.poll() is not None or time.monotonic() > deadline:
            host.stop()
            raise AssertionError(f"{name} did not start:\n{host.output()}")
        else:
            time.sleep(0.1)  # gunicorn is binding; bounded by the deadline
    wait_ready(host)
    return host


def wait_ready(host: Host, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            status, body = get(f"{host.url}/readyz")
            if status == 200:
                return json.loads(body)
            last = body
        except OSError as exc:
            last = exc
        time.sleep(0.2)  # the workers are importing Django; bounded by the deadline
    raise AssertionError(f"{host.name} never became ready ({last}):\n{host.output()}")


def start_worker(name: str, env: dict, tmp: Path, *queues: str, nice: int = 10) -> Host:
    """An RQ worker host (deploy/systemd/aiassets-worker@.service runs it at Nice=10)."""
    argv = [sys.executable, "manage.py", "rqworker", *(queues or ("derivatives", "default"))]
    return _spawn(name, ["nice", "-n", str(nice), *argv], env, tmp)


def get(url: str, headers: dict | None = None, timeout: float = 10) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def post_image(url: str, token: str, data: bytes, provenance: dict, timeout: float = 30):
    """POST /api/v1/assets as a generator does (multipart), returning (status, json body)."""
    boundary = "----aiassets" + os.urandom(8).hex()
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="provenance"\r\n\r\n'.encode()
        + json.dumps(provenance).encode()
        + b"\r\n",
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        "Content-Type: image/png\r\n\r\n".encode()
        + data
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    request = urllib.request.Request(  # noqa: S310 - loopback only
        f"{url}/api/v1/assets",
        data=b"".join(parts),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body)
        except ValueError:
            return exc.code, {"raw": body[:500].decode(errors="replace")}


def run_manage(env: dict, home: Path, *args: str, timeout: float = 120) -> str:
    """Run a management command as one more host (its own VAR_DIR); its output."""
    var_dir = home / "var"
    var_dir.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, "VAR_DIR": str(var_dir)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout
