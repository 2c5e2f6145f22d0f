"""The three ways an image enters the store, driven the way a client drives them.

Each ``submit_*`` returns an :class:`Answer`: the HTTP status (or the command's exit code),
the error code the channel reported (None on success) and the text shown to a person.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from tests.aiassets.test_admin import upload_form


@dataclass
class Answer:
    status: int
    code: str | None
    text: str


def submit_api(client, token: str, data: bytes, prov: str | bytes, name: str = "x.png") -> Answer:
    body = {"file": SimpleUploadedFile(name, data), "provenance": prov}
    response = client.post("/api/v1/assets", body, HTTP_AUTHORIZATION=f"Bearer {token}")
    code = None
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json"), response.content[:300]
        code = response.json()["error"]["code"]
    return Answer(response.status_code, code, response.content.decode("utf-8", "replace"))


def submit_admin(admin_client, data: bytes, form: dict, name: str = "x.png") -> Answer:
    fields = upload_form(data, **form)
    fields["file"] = SimpleUploadedFile(name, data)
    response = admin_client.post("/admin/aiassets/asset/add/", fields)
    text = response.content.decode("utf-8", "replace")
    return Answer(response.status_code, None, text)


def submit_import(
    root: Path, data: bytes, prov: str | bytes, manifest: dict | None = None, name: str = "x.png"
) -> Answer:
    """One file in a fresh directory: its provenance as a sidecar, or a manifest line when
    ``manifest`` adds fields (title, alt_text). The per-file report gives the code."""
    batch = root / "batch"
    batch.mkdir(parents=True)
    (batch / name).write_bytes(data)
    options = {}
    if manifest:
        line = {"file": name, "provenance": json.loads(prov), **manifest}
        (root / "manifest.jsonl").write_text(json.dumps(line) + "\n")
        options["manifest"] = str(root / "manifest.jsonl")
    else:
        sidecar = batch / (Path(name).stem + ".json")
        sidecar.write_bytes(
            prov if isinstance(prov, bytes) else prov.encode("utf-8", "surrogatepass")
        )
    report = root / "report.jsonl"
    out = io.StringIO()
    status = 0
    try:
        call_command(
            "import_assets",
            str(batch),
            report=str(report),
            no_progress=True,
            stdout=out,
            stderr=io.StringIO(),
            **options,
        )
    except CommandError as exc:
        status = exc.returncode
    rows = [json.loads(line) for line in report.read_text().splitlines()]
    assert len(rows) == 1, rows
    assert "1 file(s):" in out.getvalue(), "the summary is always printed"
    return Answer(status, rows[0]["code"], out.getvalue())
