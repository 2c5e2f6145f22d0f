"""App settings have one home each: their app's conf.py (config/settings.py only maps the
environment onto them). Moving the defaults there out of config/settings.py (issue 13) changed
no value: `make run` (nothing set), production (HTTPS=true) and environment overrides resolve
what the old settings module gave, on ``django.conf.settings`` and on each app's settings.

Each profile runs in a fresh interpreter (settings are read from the environment at import).
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFS = ("aiassets", "moderation", "delivery", "ops", "webhooks")

PROBE = """
import importlib, json, sys
import django
django.setup()
from django.conf import settings
keys = json.loads(sys.argv[1])
homes = {app: importlib.import_module(app + ".conf") for app in sys.argv[2].split(",")}
out = {}
for key in keys:
    owner = [app for app, conf in homes.items() if key in conf.DEFAULTS]
    value = getattr(settings, key)
    if owner:
        conf = homes[owner[0]]
        app_value = (conf.app_settings if hasattr(conf, "app_settings") else conf.settings).get(key)
        assert app_value == value, (key, app_value, value)
    out[key] = value
out["RQ_QUEUES.DEFAULT_TIMEOUT"] = settings.RQ_QUEUES["derivatives"]["DEFAULT_TIMEOUT"]
print(json.dumps(out, default=str))
"""

# What config/settings.py resolved before the move, with nothing set (`make run`).
DEVELOPMENT = {
    "DERIVATIVE_WIDTHS": [
        320,
        340,
        360,
        400,
        480,
        560,
        640,
        680,
        720,
        800,
        960,
        1120,
        1280,
        1600,
        1920,
        2560,
    ],
    "DERIVATIVE_FORMATS": {
        "avif": {"quality": 70, "speed": 9},
        "webp": {"quality": 88, "method": 2},
        "jpeg": {"quality": 82},
    },
    "DERIVATIVE_RATIOS": ["16/9", "1/1"],
    "SOCIAL_CARD_RATIO": "40/21",
    "SOCIAL_CARD_WIDTH": 1200,
    "DERIVATIVE_MAX_ATTEMPTS": 3,
    "DERIVATIVE_RETRY_INTERVALS": [10, 60],
    "DERIVATIVE_JOB_TIMEOUT": 600,
    "DERIVATIVE_STALE_MINUTES": 10,
    "DERIVATIVE_QUEUE_MAX_DEPTH": 500,
    "RQ_QUEUES.DEFAULT_TIMEOUT": 600,
    "API_RATE_REQUESTS_PER_MINUTE": 120,
    "API_RATE_BYTES_PER_DAY": 20 * 1024**3,
    "JOBS_HEARTBEAT_SECONDS": 10,
    "JOBS_HEAL_INTERVAL": 60,
    "JOBS_HEAL_BATCH": 1000,
    "JOBS_ORPHAN_SWEEP": True,
    "JOBS_HEAL_MAX_REQUEUES": 10,
    "C2PA_SIGNING": True,
    "C2PA_SIGNER_KEY": "",
    "C2PA_SIGNER_CHAIN": "",
    "C2PA_TRUST_ANCHORS": "",
    "C2PA_REQUIRED": True,
    "C2PA_DEV_CREDENTIALS": True,
    "C2PA_DEV_DIR": "{VAR_DIR}/c2pa-dev",
    "C2PA_MATCH_MAX_DISTANCE": 10,
    "WEBHOOKS_ALLOW_PRIVATE_HOSTS": True,
    "WEBHOOKS_RETRY_INTERVALS": [10, 30, 120, 600, 1800, 3600, 7200],
    "WEBHOOKS_TIMEOUT": 10,
}
PRODUCTION_ENV = {"HTTPS": "true", "SECRET_KEY": "k" * 60}
PRODUCTION = {**DEVELOPMENT, "C2PA_DEV_CREDENTIALS": False, "WEBHOOKS_ALLOW_PRIVATE_HOSTS": False}
OVERRIDES_ENV = {
    "AVIF_QUALITY": "50",
    "WEBP_METHOD": "4",
    "JPEG_QUALITY": "90",
    "DERIVATIVE_WIDTHS": "320,640",
    "DERIVATIVE_JOB_TIMEOUT": "1200",
    "API_RATE_REQUESTS_PER_MINUTE": "7",
    "JOBS_ORPHAN_SWEEP": "false",
    "C2PA_DEV_CREDENTIALS": "false",
    "C2PA_DEV_DIR": "/srv/c2pa",
    "WEBHOOKS_ALLOW_PRIVATE_HOSTS": "false",
    "WEBHOOKS_RETRY_INTERVALS": "1,2",
    "WEBHOOKS_TIMEOUT": "5",
}
OVERRIDES = {
    **DEVELOPMENT,
    "DERIVATIVE_FORMATS": {
        "avif": {"quality": 50, "speed": 9},
        "webp": {"quality": 88, "method": 4},
        "jpeg": {"quality": 90},
    },
    "DERIVATIVE_WIDTHS": [320, 640],
    "DERIVATIVE_JOB_TIMEOUT": 1200,
    "DERIVATIVE_STALE_MINUTES": 20,  # follows the job timeout unless set itself
    "RQ_QUEUES.DEFAULT_TIMEOUT": 1200,
    "API_RATE_REQUESTS_PER_MINUTE": 7,
    "JOBS_ORPHAN_SWEEP": False,
    "C2PA_DEV_CREDENTIALS": False,
    "C2PA_DEV_DIR": "/srv/c2pa",
    "WEBHOOKS_ALLOW_PRIVATE_HOSTS": False,
    "WEBHOOKS_RETRY_INTERVALS": [1, 2],
    "WEBHOOKS_TIMEOUT": 5,
}
PRODUCTION_OVERRIDES_ENV = {
    **PRODUCTION_ENV,
    "C2PA_DEV_CREDENTIALS": "true",
    "WEBHOOKS_ALLOW_PRIVATE_HOSTS": "true",
    "DERIVATIVE_STALE_MINUTES": "3",
}
PRODUCTION_OVERRIDES = {
    **PRODUCTION,
    "C2PA_DEV_CREDENTIALS": True,
    "WEBHOOKS_ALLOW_PRIVATE_HOSTS": True,
    "DERIVATIVE_STALE_MINUTES": 3,
}


def resolved(tmp_path: Path, env: dict[str, str]) -> dict:
    var_dir = tmp_path / "var"
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": str(var_dir),
        **env,
    }
    keys = [k for k in DEVELOPMENT if k != "RQ_QUEUES.DEFAULT_TIMEOUT"]
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(keys), ",".join(CONFS)],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, DEVELOPMENT),
        (PRODUCTION_ENV, PRODUCTION),
        (OVERRIDES_ENV, OVERRIDES),
        (PRODUCTION_OVERRIDES_ENV, PRODUCTION_OVERRIDES),
    ],
    ids=["make-run", "production", "overrides", "production-overrides"],
)
def test_moved_settings_resolve_as_before(tmp_path, env, expected):
    values = resolved(tmp_path, env)
    wanted = {
        k: v.format(VAR_DIR=tmp_path / "var") if isinstance(v, str) else v
        for k, v in expected.items()
    }
    assert values == wanted


def test_each_app_setting_has_one_home():
    homes: dict[str, list[str]] = {}
    for app in CONFS:
        for key in importlib.import_module(f"{app}.conf").DEFAULTS:
            homes.setdefault(key, []).append(app)
    assert {k: v for k, v in homes.items() if len(v) > 1} == {}


# Assigned by name in config/settings.py, each from the environment or from another setting:
# the development switches (on while HTTPS is off), the encoder options merged into the
# default formats, and the stale age that follows an overridden job timeout.
DERIVED_IN_SETTINGS = {
    "C2PA_DEV_CREDENTIALS",
    "WEBHOOKS_ALLOW_PRIVATE_HOSTS",
    "DERIVATIVE_FORMATS",
    "DERIVATIVE_STALE_MINUTES",
}


def test_settings_module_writes_no_app_default():
    """config/settings.py sets app settings through env_overrides (only when the variable is
    set), never with a default of its own."""
    tree = ast.parse((ROOT / "config" / "settings.py").read_text())
    assigned = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    app_keys = {key for app in CONFS for key in importlib.import_module(f"{app}.conf").DEFAULTS}
    assert assigned & app_keys == DERIVED_IN_SETTINGS
