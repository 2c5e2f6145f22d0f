"""The HTTP API, the top layer: one NinjaAPI at /api/v1/ (assets and takedowns), bearer
tokens with scopes, and one JSON error body for every error under /api/."""
