"""Reading the environment for config/settings.py: never raise, never write a file.

- ``CheckedEnv`` is django-environ's ``Env`` that records an unusable or missing required
  variable in a list (``settings.CONFIG_ERRORS``) instead of raising at import, so that
  ``manage.py check`` can report every problem as a message, not a traceback.
- ``env_overrides`` maps variables onto app settings whose defaults live in each app's conf.py
  (``nested_overrides`` onto options inside one, such as AVIF_QUALITY in DERIVATIVE_FORMATS).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

DEV_SECRET_KEY_ENV = "AIASSETS_DEV_SECRET_KEY"  # noqa: S105  (a variable name)
NOTSET = environ.Env.NOTSET


class CheckedEnv(environ.Env):
    def __init__(self, errors: list[str], **scheme: Any):
        super().__init__(**scheme)
        self.errors = errors

    def get_value(
        self, var: str, cast: Any = None, default: Any = NOTSET, parse_default: bool = False
    ) -> Any:
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ImproperlyConfigured:
            self.errors.append(f"{var} is not set.")
        except (ValueError, TypeError) as exc:
            self.errors.append(f"{var}={os.environ.get(var, '')!r} is not usable: {exc}.")
        return None if default is NOTSET else default

    def db_url(self, var: str = "DATABASE_URL", default: Any = NOTSET, engine: Any = None) -> dict:
        return self._url(super().db_url, self.db_url_config, "ENGINE", var, default, engine=engine)

    def email_url(self, var: str = "EMAIL_URL", default: Any = NOTSET, backend: Any = None) -> dict:
        return self._url(
            super().email_url, self.email_url_config, "EMAIL_BACKEND", var, default, backend=backend
        )

    db = db_url
    email = email_url

    def _url(self, read: Any, parse: Any, key: str, var: str, default: Any, **kw: Any) -> dict:
        """A URL setting parsed, or its default's parse with the problem recorded."""
        try:
            config = read(var, default=default, **kw)
        except (ImproperlyConfigured, ValueError, KeyError) as exc:
            config = {}
            self.errors.append(f"{var} is not a usable URL: {exc}.")
        else:
            if not config.get(key):
                self.errors.append(f"{var}={os.environ.get(var, '')!r} is not a URL Django knows.")
        if not config.get(key) and default is not NOTSET:
            config = parse(default, **kw)
        return config


def env_overrides(env: Any, **readers: Callable[[str], Any]) -> dict[str, Any]:
    """``{NAME: reader(NAME)}`` for each variable set in the environment (or ``.env``).

    A variable that is not set is left out, so the app's default in its ``conf.py`` applies:
    the default is written once, there.
    """
    return {name: read(name) for name, read in readers.items() if name in os.environ}


def nested_overrides(
    env: Any, defaults: dict[str, dict[str, Any]], **paths: tuple[str, str]
) -> dict[str, dict[str, Any]] | None:
    """``defaults`` (a dict of dicts, copied) with each integer variable that is set written at
    its ``(key, option)`` path, e.g. ``AVIF_QUALITY=("avif", "quality")``; None when no
    variable is set, so the app's default applies untouched."""
    found = env_overrides(env, **dict.fromkeys(paths, env.int))
    if not found:
        return None
    merged = {key: dict(options) for key, options in defaults.items()}
    for name, value in found.items():
        key, option = paths[name]
        merged[key][option] = value
    return merged


def development_secret_key(var_dir: Path) -> str:
    """Development only: the per-checkout key in ``var/secret_key`` (written by ``manage.py
    make_secret_key``, which ``make migrate`` and ``make run`` run), else one random key per
    process tree (children inherit it through the environment). Never writes a file."""
    path = var_dir / "secret_key"
    try:
        return path.read_text().strip()
    except OSError:
        return os.environ.setdefault(DEV_SECRET_KEY_ENV, secrets.token_urlsafe(50))


def write_development_secret_key(var_dir: Path) -> Path:
    """Create ``var/secret_key`` (mode 0600) unless it exists."""
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path


def refuse_to_serve() -> None:
    """The WSGI/ASGI application does not start on settings it could not read (the problems
    ``manage.py check`` reports as ops.E010)."""
    from django.conf import settings

    problems = getattr(settings, "CONFIG_ERRORS", [])
    if problems:
        raise ImproperlyConfigured("Configuration errors:\n  " + "\n  ".join(problems))
