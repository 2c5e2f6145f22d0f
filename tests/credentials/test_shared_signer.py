"""The development signer is shared by every host of a deployment (derived from SECRET_KEY,
computed in memory, written nowhere) and refused on production (HTTPS) settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aiassets import c2pa
from aiassets.c2pa import devchain

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "from aiassets import c2pa; print(c2pa.recipe_token()); print(c2pa.signer_label())"


def host(var_dir: Path, secret: str, code: str = "", *args: str, **env: str):
    """Run Django as another host: its own VAR_DIR, no C2PA configuration."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("C2PA_", "DJANGO_"))}
    clean.update({"VAR_DIR": str(var_dir), "SECRET_KEY": secret, "HTTPS": "false", **env})
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    command = [sys.executable, "-c", f"import django; django.setup(); {code}"]
    if args:
        command = [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_two_hosts_with_one_secret_key_sign_with_the_same_development_chain(tmp_path):
    secret = "shared-secret-for-this-test-" + "x" * 30
    one = host(tmp_path / "host1", secret, TOKEN)
    two = host(tmp_path / "host2", secret, TOKEN)
    other = host(tmp_path / "host3", secret + "-other", TOKEN)
    assert one.returncode == two.returncode == other.returncode == 0, one.stderr + two.stderr
    token, label = one.stdout.split("\n")[:2]
    assert token.startswith(f"{c2pa.MANIFEST_VERSION}:") and "unconfigured" not in token
    assert label == "aiassets (development credentials)"
    assert one.stdout == two.stdout  # the same recipe token: the same variant keys
    assert other.stdout.split("\n")[0] != token  # another deployment, another signer
    for var in ("host1", "host2"):  # nothing shaping a key was written per host
        assert not (tmp_path / var / "c2pa-dev").exists()


def test_the_derived_chain_is_deterministic_per_secret():
    assert devchain.derive_chain("abc") == devchain.derive_chain("abc")
    assert devchain.derive_chain("abc").key != devchain.derive_chain("abd").key
    creds = c2pa.keys.from_pem(
        *[getattr(devchain.derive_chain("abc"), k) for k in ("key", "chain")], "t"
    )
    assert creds.development


def test_production_settings_refuse_development_credentials(settings):
    settings.C2PA_SIGNER_KEY = settings.C2PA_SIGNER_CHAIN = ""
    settings.C2PA_DEV_CREDENTIALS = True
    assert "aiassets.E103" not in [m.id for m in c2pa.checks.credential_settings(None)]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    with pytest.raises(c2pa.CredentialsError, match="refused on production") as info:
        c2pa.credentials()
    assert info.value.code == "dev_refused"
    assert c2pa.recipe_token() == f"{c2pa.MANIFEST_VERSION}:unconfigured"
    assert "aiassets.E103" in [m.id for m in c2pa.checks.credential_settings(None)]


def test_manage_check_refuses_dev_credentials_with_https(tmp_path):
    secret = "s" * 50
    refused = host(
        tmp_path / "prod", secret, "", "check", HTTPS="true", C2PA_DEV_CREDENTIALS="true"
    )
    assert refused.returncode != 0
    assert "aiassets.E103" in refused.stderr and "refused on production" in refused.stderr
    fine = host(tmp_path / "dev", secret, "", "check")  # make run's defaults: no config at all
    assert fine.returncode == 0, fine.stderr
