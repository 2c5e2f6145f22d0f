"""The Content-Security-Policy every response carries (settings.SECURE_CSP)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.utils.csp import CSP


def origin(url: str) -> str:
    """``https://cdn.example.com/media/`` -> ``https://cdn.example.com``; a bare host name is
    taken as https; ``""`` for nothing."""
    if not url:
        return ""
    parts = urlsplit(url if "//" in url else f"https://{url}")
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""


def content_security_policy(extra_img_src: list[str], *image_urls: str) -> dict[str, list[str]]:
    images = [CSP.SELF, "data:", *extra_img_src]
    images += [o for o in map(origin, image_urls) if o and o not in images]
    return {
        "default-src": [CSP.SELF],
        "script-src": [CSP.SELF, CSP.NONCE],
        "style-src": [CSP.SELF, CSP.NONCE],
        "style-src-attr": [CSP.UNSAFE_INLINE],
        "img-src": images,
        "font-src": [CSP.SELF],
        "connect-src": [CSP.SELF],
        "object-src": [CSP.NONE],
        "base-uri": [CSP.NONE],
        "form-action": [CSP.SELF],
        "frame-ancestors": [CSP.NONE],
    }
