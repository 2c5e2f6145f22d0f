"""CDN purge backends: HTTP PURGE (Varnish and any HTTP cache), CloudFront, Cloudflare, Fastly."""

from .base import PurgeBackend, PurgeError, PurgeResult, get_backend, get_backends

__all__ = ["PurgeBackend", "PurgeError", "PurgeResult", "get_backend", "get_backends"]
