"""One JSON object per line: ``timestamp``, ``level``, ``logger``, ``message``, every field
passed with ``extra={...}``, the RQ job the record was logged in (``job_id``, ``queue``,
``func``), and ``exception``/``stack`` when present.

Imported by the LOGGING setting before apps load: no Django models here.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
}
_current_job: Any = None  # rq.job.get_current_job, imported on first use (None: not yet)


def _job_fields() -> dict[str, Any]:
    """The RQ job running in this worker, if any."""
    global _current_job
    if _current_job is None:
        try:
            from rq.job import get_current_job
        except ImportError:  # pragma: no cover - rq is a dependency
            get_current_job = False
        _current_job = get_current_job
    if not _current_job:
        return {}
    try:
        job = _current_job()
    except Exception:  # no job context, or a connection problem: leave it out
        return {}
    if job is None:
        return {}
    return {"job_id": job.id, "queue": job.origin, "func": job.func_name}


def _default(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON. Values JSON cannot hold are written as strings."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS and not key.startswith("_"):
                payload.setdefault(key, value)  # the four fields above always win
        for key, value in _job_fields().items():
            payload.setdefault(key, value)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, default=_default, ensure_ascii=False, separators=(",", ":"))
