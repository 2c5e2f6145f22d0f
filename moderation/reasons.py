"""Stable reason codes: what a moderator picks when rejecting, and why takedowns are asked."""

from __future__ import annotations

REJECT_REASONS: list[tuple[str, str]] = [
    ("sexual_content", "Sexual content or nudity"),
    ("minor_safety", "Could depict a minor"),
    ("violence", "Graphic violence or gore"),
    ("hate", "Hateful or harassing content"),
    ("real_person", "Likeness of a real person"),
    ("copyright", "Copyrighted character, logo or artwork"),
    ("licence", "The model's licence does not allow this use"),
    ("provenance", "Missing or false provenance"),
    ("quality", "Broken, spam or low quality"),
    ("other", "Other (see the note)"),
]

TAKEDOWN_REASONS: list[tuple[str, str]] = [
    ("copyright", "It copies my copyrighted work"),
    ("likeness", "It shows me or someone I represent"),
    ("privacy", "It reveals private information"),
    ("harmful", "It is illegal or harmful"),
    ("other", "Other (please explain)"),
]

REJECT_REASON_CODES = {code for code, _ in REJECT_REASONS}
TAKEDOWN_REASON_CODES = {code for code, _ in TAKEDOWN_REASONS}
