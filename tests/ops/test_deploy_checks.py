"""`manage.py check --deploy` reports every production misconfiguration as a message with an
id, never a traceback; and the settings module writes no file when it is read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
CLEARED = (
    "SECRET_KEY",
    "HTTPS",
    "STORAGE",
    "REDIS_URL",
    "DATABASE_URL",
    "CDN_BACKEND",
    "LOG_FORMAT",
    "C2PA_SIGNER_KEY",
    "C2PA_SIGNER_CHAIN",
    "C2PA_DEV_CREDENTIALS",
    "AIASSETS_DEV_SECRET_KEY",
    "DJANGO_SETTINGS_MODULE",
    "EMAIL_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser fixture; async.E001 in deployment
)
PRODUCTION = {
    "HTTPS": "true",
    "SECRET_KEY": "k" * 20 + "-production-secret-key-0123456789abcdef",
    "ALLOWED_HOSTS": "img.example.com",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "C2PA_SIGNER_KEY": "/etc/aiassets/c2pa.key",
    "C2PA_SIGNER_CHAIN": "/etc/aiassets/c2pa-chain.pem",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
}


def run(tmp_path: Path, code: list[str], **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    base = {k: v for k, v in base.items() if not k.startswith(("CDN_", "MODERATION_", "CSP_"))}
    base.update({"VAR_DIR": str(tmp_path / "var"), "LOG_FORMAT": "plain", **env})
    return subprocess.run(
        [sys.executable, *code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def check_deploy(tmp_path: Path, **env: str) -> tuple[int, str]:
    done = run(tmp_path, ["manage.py", "check", "--deploy"], **env)
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    return done.returncode, output


# Each run combines misconfigurations that can coexist; each must still give its own message.
@pytest.mark.parametrize(
    "env,expected",
    [
        pytest.param(
            {
                "SECRET_KEY": "",
                "STORAGE": "s3",
                "C2PA_SIGNER_KEY": "",
                "C2PA_SIGNER_CHAIN": "",
                "C2PA_DEV_CREDENTIALS": "true",
                "REDIS_URL": "",
                "INGEST_MAX_BYTES": "64MB",
                "CDN_BACKEND": "cloudfront",
                "DELIVERY_SIGNED_URL_MODE": "cloudfront",
                "MODERATION_THRESHOLDS": "{}",
            },
            [
                "ops.E011",
                "SECRET_KEY is not set",
                "ops.E010",
                "STORAGE=s3 needs AWS_ORIGINALS_BUCKET",
                "STORAGE=s3 needs AWS_VARIANTS_BUCKET",
                "aiassets.E102",
                "UNTRUSTED DEVELOPMENT",
                "aiassets.E004",
                "REDIS_URL is not set",
                "INGEST_MAX_BYTES='64MB' is not usable",
                "CLOUDFRONT_DISTRIBUTION_ID is not set",
                "ops.E014",
                "moderation.W001",
            ],
            id="missing-values",
        ),
        pytest.param(
            {
                "CDN_BACKEND": "akamai",
                "STORAGE": "ftp",
                "LOG_FORMAT": "xml",
                "DELIVERY_SIGNED_URL_MODE": "ftp",
                "MODERATION_THRESHOLDS": "{not json",
                "EMAIL_URL": "bogus://x",
                "DATABASE_URL": "nonsense",
            },
            [
                "CDN_BACKEND must be one of",
                "STORAGE must be 'local' or 's3'",
                "LOG_FORMAT must be 'json' or 'plain'",
                "ops.E013",
                "MODERATION_THRESHOLDS='{not json' is not usable",
                "EMAIL_URL is not a usable URL",
                "DATABASE_URL='nonsense' is not a URL Django knows",
            ],
            id="wrong-values",
        ),
    ],
)
def test_each_misconfiguration_is_a_message(tmp_path, env, expected):
    code, output = check_deploy(tmp_path, **{**PRODUCTION, **env})
    for text in expected:
        assert text in output, (text, output)
    assert code != 0, output


def test_a_complete_production_configuration_has_no_errors(tmp_path):
    code, output = check_deploy(tmp_path, **PRODUCTION)
    assert code == 0, output


def test_the_development_secret_key_is_refused_in_production(tmp_path):
    assert run(tmp_path, ["manage.py", "make_secret_key"]).returncode == 0
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o777 == 0o600
    code, output = check_deploy(tmp_path, **{**PRODUCTION, "SECRET_KEY": "", "HTTPS": "false"})
    assert "ops.E012" in output and code != 0, output


def test_reading_settings_writes_no_file(tmp_path):
    done = run(tmp_path, ["-c", "import config.settings as s; print(len(s.SECRET_KEY))"])
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 50
    assert not (tmp_path / "var").exists()


def test_the_wsgi_application_refuses_unreadable_settings(tmp_path):
    done = run(tmp_path, ["-c", "import config.wsgi"], **{**PRODUCTION, "STORAGE": "s3"})
    assert done.returncode != 0
    assert "STORAGE=s3 needs AWS_ORIGINALS_BUCKET" in done.stderr
