"""RQ entry points (dotted paths stored in Redis: keep them stable)."""

from __future__ import annotations

from .delivery import deliver, retry_due

__all__ = ["deliver", "retry_due"]
