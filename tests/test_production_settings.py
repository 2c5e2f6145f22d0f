"""Production settings for several hosts: a shared SECRET_KEY or no start (with HTTPS=true and
DEBUG off), health-checked persistent database connections; `make run` needs no configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = "import config.settings as s; print(s.SECRET_KEY); print(s.DATABASES['default'])"


def settings_of(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "HTTPS", "SECRET_KEY", "DATABASE_URL", "C2PA_DEV_CREDENTIALS")
    }
    base.update(VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=base, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_a_shared_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update(VAR_DIR=str(tmp_path / "var"), HTTPS="true", ALLOWED_HOSTS="img.example.com")
    out = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "SECRET_KEY must be set, the same on every host" in out.stderr
    assert not (tmp_path / "var" / "secret_key").exists(), "no per-host key was made"


def test_production_uses_the_shared_key(tmp_path):
    out = settings_of(tmp_path, HTTPS="true", SECRET_KEY="k" * 60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "k" * 60


def test_debug_and_make_run_need_no_configuration(tmp_path):
    debug = settings_of(tmp_path, HTTPS="true", DEBUG="true")
    assert debug.returncode == 0, debug.stderr
    plain = settings_of(tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert len(plain.stdout.splitlines()[0]) >= 50


def test_database_connections_are_health_checked(tmp_path):
    out = settings_of(tmp_path, DATABASE_URL="postgres://u@127.0.0.1:5432/x")
    assert out.returncode == 0, out.stderr
    db = out.stdout.splitlines()[1]
    assert "'CONN_HEALTH_CHECKS': True" in db
    assert "'CONN_MAX_AGE': 60" in db
