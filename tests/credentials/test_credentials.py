"""Signing and reading: Valid, Trusted, a flipped byte is Invalid (data-hash mismatch),
unsigned is absent; the recipe follows the signing settings; the dev chain command."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aiassets import c2pa, renditions
from aiassets.models import Variant
from tests import images

from .conftest import flip_scan_byte, sign_as_generator, variant_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_jpeg(ingest_now) -> bytes:
    asset = ingest_now(images.png(480, 360, seed=3)).asset
    variant = asset.variants.get(format="jpeg", width=480)
    assert variant.status == Variant.Status.READY and variant.c2pa == c2pa.SIGNED
    return variant_bytes(variant)


def test_signed_variant_reads_back_valid(signed_jpeg):
    report = c2pa.read(signed_jpeg)
    assert report.state == c2pa.VALID
    # Our dev root is not a trust anchor here: intact, but not trusted.
    assert report.codes == ["signingCredential.untrusted"]
    assert report.signed_by(c2pa.credentials())
    assert "UNTRUSTED DEVELOPMENT" in report.signature["common_name"]


def test_our_root_as_trust_anchor_makes_it_trusted(settings, signed_jpeg, dev_chain):
    settings.C2PA_TRUST_ANCHORS = str(dev_chain.root)
    report = c2pa.read(signed_jpeg)
    assert report.state == c2pa.TRUSTED
    assert report.failures == []


def test_one_flipped_byte_is_invalid_with_a_data_hash_mismatch(signed_jpeg):
    report = c2pa.read(flip_scan_byte(signed_jpeg))
    assert report.state == c2pa.INVALID
    assert "assertion.dataHash.mismatch" in report.codes
    assert report.tampered


def test_unsigned_input_is_absent():
    report = c2pa.read(images.jpeg())
    assert report.state == c2pa.ABSENT
    assert report.manifest is None and report.failures == []


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", images.png()[:100], b"\xff\xd8\xff\xeb" + b"\x00" * 64],
    ids=["empty", "text", "truncated_png", "broken_app11"],
)
def test_garbage_never_raises(data):
    assert c2pa.read(data).state in (c2pa.ABSENT, c2pa.INVALID)


def test_a_foreign_signer_is_valid_but_not_ours(foreign_chain):
    report = c2pa.read(sign_as_generator(images.jpeg(), "image/jpeg", foreign_chain))
    assert report.state == c2pa.VALID
    assert not report.signed_by(c2pa.credentials())


def test_recipe_follows_signing_settings(settings, foreign_chain):
    options = settings.DERIVATIVE_FORMATS["jpeg"]
    signed = renditions.recipe("jpeg", options)
    settings.C2PA_SIGNING = False
    unsigned = renditions.recipe("jpeg", options)
    settings.C2PA_SIGNING = True
    settings.C2PA_SIGNER_KEY = str(foreign_chain.key)
    settings.C2PA_SIGNER_CHAIN = str(foreign_chain.chain)
    rotated = renditions.recipe("jpeg", options)
    assert len({signed, unsigned, rotated}) == 3


def test_bad_credentials_are_refused_with_a_reason(settings, dev_chain, foreign_chain, tmp_path):
    settings.C2PA_SIGNER_CHAIN = str(foreign_chain.chain)  # not the key's certificate
    with pytest.raises(c2pa.CredentialsError, match="not for C2PA_SIGNER_KEY"):
        c2pa.credentials()
    lone = tmp_path / "lone.pem"
    lone.write_text(
        dev_chain.chain.read_text().split("-----END CERTIFICATE-----")[0]
        + "-----END CERTIFICATE-----\n"
    )
    settings.C2PA_SIGNER_CHAIN = str(lone)
    with pytest.raises(c2pa.CredentialsError, match="lone"):
        c2pa.credentials()
    settings.C2PA_SIGNER_CHAIN = ""
    with pytest.raises(c2pa.CredentialsError, match="both"):
        c2pa.credentials()


def test_dev_credentials_are_used_only_when_allowed_and_written_nowhere(settings, tmp_path):
    settings.C2PA_SIGNER_KEY = settings.C2PA_SIGNER_CHAIN = ""
    settings.C2PA_DEV_DIR = tmp_path / "dev"
    with pytest.raises(c2pa.CredentialsError, match="no key is configured"):
        c2pa.credentials()
    settings.C2PA_DEV_CREDENTIALS = True
    made = c2pa.credentials()
    assert made.development and not (tmp_path / "dev").exists()
    assert c2pa.signer_label() == "aiassets (development credentials)"
    assert c2pa.recipe_token() == f"{c2pa.MANIFEST_VERSION}:{made.fingerprint[:16]}"
    assert not (tmp_path / "dev").exists()  # computing a recipe writes nothing


def test_make_dev_signer_command(tmp_path, capsys):
    out = tmp_path / "signer"
    call_command("make_dev_signer", "--out", str(out))
    printed = capsys.readouterr().out
    assert f"C2PA_SIGNER_KEY={out / 'signer.key'}" in printed
    chain = c2pa.keys.load(out / "signer.key", out / "chain.pem")
    subject = chain.certificate.subject.rfc4514_string()
    assert "UNTRUSTED DEVELOPMENT" in subject and chain.development
    assert "UNTRUSTED DEVELOPMENT" in chain.certificate.issuer.rfc4514_string()
    with pytest.raises(CommandError, match="--force"):
        call_command("make_dev_signer", "--out", str(out))
    call_command("make_dev_signer", "--out", str(out), "--if-missing")
    assert c2pa.keys.load(out / "signer.key", out / "chain.pem").serial == chain.serial
    call_command("make_dev_signer", "--out", str(out), "--force")
    assert c2pa.keys.load(out / "signer.key", out / "chain.pem").serial != chain.serial


def test_deploy_check_reports_development_credentials(settings):
    settings.C2PA_SIGNER_KEY = settings.C2PA_SIGNER_CHAIN = ""
    settings.C2PA_DEV_CREDENTIALS = True
    ids = [m.id for m in c2pa.checks.production_credentials(None)]
    assert "aiassets.E102" in ids
    settings.C2PA_SIGNER_KEY = "/k.pem"
    assert [m.id for m in c2pa.checks.credential_settings(None)] == ["aiassets.E101"]


def test_a_remote_manifest_is_never_fetched(dev_chain):
    import io

    import c2pa as c2pa_lib

    from aiassets import imaging

    signer = c2pa_lib.Signer.from_info(
        c2pa_lib.C2paSignerInfo(
            c2pa_lib.C2paSigningAlg.ES256,
            dev_chain.chain.read_bytes(),
            dev_chain.key.read_bytes(),
            None,
        )
    )
    action = {"action": "c2pa.created", "digitalSourceType": imaging.TRAINED_ALGORITHMIC_MEDIA}
    builder = c2pa_lib.Builder(
        {"assertions": [{"label": "c2pa.actions.v2", "data": {"actions": [action]}}]}
    )
    builder.set_no_embed()
    builder.set_remote_url("http://127.0.0.1:9/manifest.c2pa")
    out = io.BytesIO()
    builder.sign(signer, "image/jpeg", io.BytesIO(images.jpeg()), out)
    report = c2pa.read(out.getvalue())
    assert report.state == c2pa.ABSENT
    assert report.codes == ["manifest.remote.notFetched"]


def test_make_dev_signer_shared_writes_the_chain_signing_uses(settings, tmp_path):
    settings.C2PA_SIGNER_KEY = settings.C2PA_SIGNER_CHAIN = ""
    settings.C2PA_DEV_CREDENTIALS = True
    call_command("make_dev_signer", "--out", str(tmp_path / "shared"), "--shared")
    written = c2pa.keys.load(tmp_path / "shared" / "signer.key", tmp_path / "shared" / "chain.pem")
    assert written.fingerprint == c2pa.credentials().fingerprint
