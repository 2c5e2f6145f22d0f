"""deploy/gunicorn.conf.py: gthread workers, and every value overridable from the environment."""

from __future__ import annotations

import os
import re
import subprocess

from tests.production.hosts import GUNICORN, ROOT


def printed_config(**env: str) -> dict[str, str]:
    out = subprocess.run(
        [
            str(GUNICORN),
            "-c",
            "deploy/gunicorn.conf.py",
            "--print-config",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("WEB_")}, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return dict(re.findall(r"^(\w+)\s+= (.*)$", out.stdout, re.M))


def test_defaults_are_gthread_one_process_per_core():
    conf = printed_config()
    assert conf["worker_class"] == "gthread"
    assert conf["workers"] == str(os.cpu_count() or 1)
    assert conf["threads"] == "4"
    assert conf["bind"] == "['127.0.0.1:8000']"
    assert conf["preload_app"] == "False"
    assert int(conf["timeout"]) >= 30 and int(conf["max_requests"]) > 0


def test_environment_overrides():
    conf = printed_config(
        WEB_BIND="0.0.0.0:9000,unix:/run/aiassets/web.sock",
        WEB_WORKERS="6",
        WEB_THREADS="2",
        WEB_TIMEOUT="120",
        WEB_LIMIT_REQUEST_FIELD_SIZE="4096",
    )
    assert conf["bind"] == "['0.0.0.0:9000', 'unix:/run/aiassets/web.sock']"
    assert (conf["workers"], conf["threads"], conf["timeout"]) == ("6", "2", "120")
    assert conf["limit_request_field_size"] == "4096"
