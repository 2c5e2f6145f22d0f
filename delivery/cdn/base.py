"""The CDN backend interface and the loader that builds backends from ``CDN_BACKENDS``.

``CDN_BACKENDS`` is configured like Django's ``CACHES``::

    CDN_BACKENDS = {
        "default": {
            "BACKEND": "delivery.cdn.http_purge.HttpPurgeBackend",
            "OPTIONS": {"purge_url": "http://127.0.0.1:6081"},
        },
    }

An empty dict means no CDN: purges are no-ops (still recorded as PurgeRequest rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class PurgeError(Exception):
    """A purge did not succeed. The message says which backend, what and why."""


@dataclass
class PurgeResult:
    """What one backend did: how many URLs and keys it purged, and what the CDN answered."""

    backend: str
    urls: int = 0
    keys: int = 0
    details: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"{self.backend}: {self.urls} URL(s), {self.keys} key(s)"
        return text + (f" ({'; '.join(self.details)})" if self.details else "")


class PurgeBackend:
    """Purges a batch of URLs and surrogate keys from one CDN. Subclasses implement purge().

    ``required_options`` must be present in OPTIONS; ``optional_options`` may be; anything else
    is reported by the system check (catches typos).
    """

    required_options: ClassVar[tuple[str, ...]] = ()
    optional_options: ClassVar[tuple[str, ...]] = ("timeout",)

    def __init__(self, alias: str, options: Mapping[str, Any] | None = None) -> None:
        self.alias = alias
        self.options = dict(options or {})
        missing = [name for name in self.required_options if not self.options.get(name)]
        if missing:
            raise ImproperlyConfigured(f"CDN backend {alias!r} needs OPTIONS {missing}")
        self.timeout = float(self.options.get("timeout") or settings.CDN_PURGE_TIMEOUT)

    def purge(self, urls: list[str], keys: list[str]) -> PurgeResult:
        """Drop ``urls`` (absolute, or paths) and everything tagged with ``keys``.

        Returns what was done; raises PurgeError when the CDN refused or was unreachable.
        """
        raise NotImplementedError

    @classmethod
    def check_options(cls, options: Mapping[str, Any]) -> list[str]:
        """Problems with ``options``, as messages (empty when fine)."""
        problems = [
            f"missing option {name!r}" for name in cls.required_options if not options.get(name)
        ]
        known = set(cls.required_options) | set(cls.optional_options)
        problems += [f"unknown option {name!r}" for name in sorted(set(options) - known)]
        return problems

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.alias!r}>"


def chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def backend_class(path: str) -> type[PurgeBackend]:
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"cannot import CDN backend {path!r}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, PurgeBackend)):
        raise ImproperlyConfigured(f"{path!r} is not a delivery.cdn.base.PurgeBackend")
    return cls


def get_backends() -> dict[str, PurgeBackend]:
    """Every configured backend by alias, built fresh from settings (cheap; follows overrides)."""
    backends = {}
    for alias, conf in (getattr(settings, "CDN_BACKENDS", None) or {}).items():
        backends[alias] = backend_class(conf["BACKEND"])(alias, conf.get("OPTIONS") or {})
    return backends


def get_backend(alias: str = "default") -> PurgeBackend:
    try:
        conf = settings.CDN_BACKENDS[alias]
    except KeyError:
        raise ImproperlyConfigured(f"no CDN backend {alias!r} in CDN_BACKENDS") from None
    return backend_class(conf["BACKEND"])(alias, conf.get("OPTIONS") or {})
