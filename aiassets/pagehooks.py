"""What upper apps add to the editor's asset page, without aiassets importing them.

aiassets is the bottom layer: it may not import moderation, delivery or public. Those apps
provide their parts of the page from their own ``AppConfig.ready()`` (the same direction as
a signal receiver)::

    hooks.provide(hooks.MODERATION_STATE, editor.state_sentence)

and the asset page calls whatever was provided, or shows a neutral fallback when nothing was
(an app left out of INSTALLED_APPS). One provider per name: providing again replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (asset) -> str | None: the moderation state in one sentence, for people.
MODERATION_STATE = "moderation_state"
# (asset) -> str: the decision timeline as escaped HTML, newest first.
MODERATION_TIMELINE = "moderation_timeline"
# (asset, variant) -> str: a URL staff may open (immutable when public, signed otherwise).
RENDITION_URL = "rendition_url"
# (asset) -> str: the public page of a public asset.
PUBLIC_URL = "public_url"

NAMES = frozenset({MODERATION_STATE, MODERATION_TIMELINE, RENDITION_URL, PUBLIC_URL})
_providers: dict[str, Callable[..., Any]] = {}


def provide(name: str, provider: Callable[..., Any]) -> None:
    """Register ``provider`` for ``name`` (one of NAMES)."""
    if name not in NAMES:
        raise ValueError(f"Unknown asset page hook {name!r}; known: {sorted(NAMES)}.")
    _providers[name] = provider


def provided(name: str) -> Callable[..., Any] | None:
    return _providers.get(name)


def call(name: str, *args: Any, default: Any = None) -> Any:
    """The provider's answer, or ``default`` when no app provides ``name``."""
    provider = _providers.get(name)
    return default if provider is None else provider(*args)
