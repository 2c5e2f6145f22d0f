"""The verify page's form and template (templates/admin/aiassets/asset/verify.html)."""

from __future__ import annotations

from django import forms

TEMPLATE = "admin/aiassets/asset/verify.html"


class VerifyForm(forms.Form):
    file = forms.FileField(help_text="PNG, JPEG, WebP or AVIF. It is read, never stored.")


def verify_template() -> str:
    return TEMPLATE
