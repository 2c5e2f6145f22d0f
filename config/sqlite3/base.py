"""Django's SQLite backend, which makes the database file's directory when it first connects.

The settings module writes nothing at import; the default database lives in VAR_DIR, so its
directory is made here, on the first connection, the way SQLite makes the file itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        name = str(conn_params.get("database") or "")
        if (
            name
            and not name.startswith("file:")
            and name != ":memory:"
            and "mode=memory" not in name
        ):
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        return super().get_new_connection(conn_params)
