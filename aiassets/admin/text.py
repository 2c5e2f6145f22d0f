"""Small text helpers the admin pages share."""

from __future__ import annotations

import json

from ..models import Provenance


def pretty(value: dict) -> str:
    return json.dumps(value, indent=2, sort_keys=True) if value else "—"


def clip(text: str, limit: int = 50_000) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit:,} more)"


def c2pa_summary(prov: Provenance) -> str:
    state = prov.get_c2pa_state_display()
    failures = [f"{f.get('code')}: {f.get('explanation')}" for f in prov.c2pa_failures or []]
    return "\n".join([state, *failures])
