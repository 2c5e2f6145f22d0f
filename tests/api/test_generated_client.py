"""The OpenAPI schema is what clients are built from: generate a Python client from it with
openapi-python-client (offline, into tmp_path) and drive a live server with it through
upload, list, patch, picture data and delete. If the client cannot express a call, the
schema is wrong."""

from __future__ import annotations

import importlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from aiassets.models import ApiToken, Asset
from tests import images
from tests.conftest import provenance

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PACKAGE = "aiassets_client"
CONFIG = f"post_hooks: []\nproject_name_override: {PACKAGE}\npackage_name_override: {PACKAGE}\n"


def generator() -> str:
    found = Path(sys.executable).parent / "openapi-python-client"
    path = str(found) if found.exists() else shutil.which("openapi-python-client")
    assert path, "openapi-python-client (requirements-dev.txt) is not installed"
    return path


@pytest.fixture
def generated(live_server, tmp_path, monkeypatch):
    """The client package generated from the live server's schema, imported."""
    schema = httpx.get(f"{live_server.url}/api/v1/openapi.json", timeout=30).json()
    (tmp_path / "openapi.json").write_text(json.dumps(schema))
    (tmp_path / "config.yml").write_text(CONFIG)
    out = tmp_path / "pkg" / PACKAGE
    command = [generator(), "generate", "--path", str(tmp_path / "openapi.json")]
    command += [
        "--output-path",
        str(out),
        "--meta",
        "none",
        "--config",
        str(tmp_path / "config.yml"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout  # everything in the schema is typed
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))
    for name in [m for m in sys.modules if m.startswith(PACKAGE)]:
        del sys.modules[name]
    return importlib.import_module(PACKAGE)


def call(module: str, *args, **kwargs):
    """``module.sync_detailed(...)`` of a generated operation, asserting a success."""
    response = importlib.import_module(f"{PACKAGE}.api.{module}").sync_detailed(*args, **kwargs)
    assert 200 <= response.status_code < 300, (response.status_code, response.content[:300])
    return response


def test_a_generated_client_drives_the_whole_integration(live_server, generated):
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")
    raw = ApiToken.issue("generated-client")[1]
    client = generated.AuthenticatedClient(base_url=live_server.url, token=raw)

    body = models.CreateAssetMultiPartBodyParams(
        file=types.File(
            payload=io.BytesIO(images.png(400, 300, seed=7)),
            file_name="a.png",
            mime_type="image/png",
        ),
        provenance=models.ProvenanceIn.from_dict(provenance(prompt="a generated kite")),
    )
    created = call("assets.create_asset", client=client, body=body, idempotency_key="k-1")
    asset_id = created.parsed.id
    again = call("assets.create_asset", client=client, body=body, idempotency_key="k-1")
    assert again.parsed.id == asset_id

    page = call("assets.list_assets", client=client, q="kite", limit=10).parsed
    assert [item.id for item in page.items] == [asset_id] and page.next_cursor is None

    patch = models.AssetPatch(
        title="Kite", alt_text="A red kite over the sea", tags=["Sea", "kite"]
    )
    patched = call("assets.patch_asset", asset_id, client=client, body=patch).parsed
    assert Asset.objects.get(pk=asset_id).alt_text == "A red kite over the sea"
    assert patched.provenance.prompt == "a generated kite"
    assert patched.tags == ["kite", "Sea"] and patched.collections == []

    by_tag = call("assets.list_assets", client=client, tag="sea", limit=10).parsed
    assert [item.id for item in by_tag.items] == [asset_id] and by_tag.items[0].tags
    assert not call("assets.list_assets", client=client, tag="nothing").parsed.items

    picture = call("assets.get_picture", asset_id, client=client).parsed
    assert picture.alt == "A red kite over the sea" and picture.width and picture.height
    assert picture.ready and picture.sources and picture.img.src

    statuses = call(
        "assets.batch_status", client=client, body=models.StatusIn(ids=[asset_id])
    ).parsed
    assert statuses.items[0].status != "not_found"

    accepted = call("assets.delete_asset", asset_id, client=client).parsed
    assert accepted.status_url.endswith(str(asset_id))
    gone = importlib.import_module(f"{PACKAGE}.api.assets.get_asset").sync_detailed(
        asset_id, client=client
    )
    assert gone.status_code == 410 and gone.parsed.error.code == "erased"
