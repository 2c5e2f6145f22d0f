"""gunicorn settings for the aiassets web tier; every value can be overridden from the
environment (``WEB_*``), so the same file serves one small machine and a fleet.

Start it with ``scripts/serve-production`` (or ``make serve``), which runs::

    gunicorn config.wsgi:application -c deploy/gunicorn.conf.py

Sizing: ``gthread`` workers, one process per core and a few threads each. Pages, the origin
view and the API spend their time waiting on PostgreSQL, Redis and storage; an upload decodes
its image inside the worker (Pillow releases the GIL), so processes, not threads, carry the CPU.
Builds never run here: they run in RQ workers (see deploy/systemd/).

Put a buffering proxy or the CDN in front (nginx, Varnish, CloudFront): gunicorn's threads
must not wait on slow clients. Request bodies are bounded by ``INGEST_MAX_BYTES`` in the
application (refused by Content-Length before the upload is read); headers by the limits below.
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = [b.strip() for b in os.environ.get("WEB_BIND", "127.0.0.1:8000").split(",") if b.strip()]
worker_class = "gthread"
workers = _int("WEB_WORKERS", os.cpu_count() or 1)
threads = _int("WEB_THREADS", 4)
backlog = _int("WEB_BACKLOG", 512)

# A request that takes longer than this is killed (its thread cannot be interrupted): an upload
# of INGEST_MAX_BYTES decodes in a few seconds; the rest answers in milliseconds.
timeout = _int("WEB_TIMEOUT", 60)
graceful_timeout = _int("WEB_GRACEFUL_TIMEOUT", 30)
keepalive = _int("WEB_KEEPALIVE", 5)

# Recycle workers now and then: Pillow's decode buffers fragment the heap over time.
max_requests = _int("WEB_MAX_REQUESTS", 2000)
max_requests_jitter = _int("WEB_MAX_REQUESTS_JITTER", 200)

# Header limits (the body limit is INGEST_MAX_BYTES, enforced by the application).
limit_request_line = _int("WEB_LIMIT_REQUEST_LINE", 8190)
limit_request_fields = _int("WEB_LIMIT_REQUEST_FIELDS", 100)
limit_request_field_size = _int("WEB_LIMIT_REQUEST_FIELD_SIZE", 8190)

# Heartbeat files in memory, not on a disk that can stall.
worker_tmp_dir = os.environ.get("WEB_WORKER_TMP_DIR") or (
    "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - a tmpfs, by design
)
# Proxies whose X-Forwarded-* headers are trusted (the load balancer / CDN addresses).
forwarded_allow_ips = os.environ.get("WEB_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to stdout/stderr for the supervisor (journald); the application logs JSON itself.
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
proc_name = "aiassets-web"
# Each worker opens its own database and Redis connections: no app preloading in the master.
preload_app = False


def child_exit(server, worker) -> None:  # noqa: ANN001 - gunicorn's hook signature
    """With PROMETHEUS_MULTIPROC_DIR, drop a dead worker's live gauges from /metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
