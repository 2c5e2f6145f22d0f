"""Observability: the Prometheus /metrics endpoint, the admin operations dashboard and JSON logs.

``ops`` only reads: it imports aiassets, moderation and delivery, and nothing imports it
(settings name ``ops.logging.JsonFormatter``).
"""
