"""Database triggers that keep the rollups of counted rows as they change: variants by status,
assets by moderation status (``COUNTED``).

Every statement that inserts, deletes or changes the counted column of such rows appends its
net change per value to ``ops_rollupdelta`` (insert-only: no hot counter row for build workers to
queue on). ``ops.rollups.refresh()`` folds those deltas into ``ops_rollup``: its cost follows
the number of changes since the last refresh, not the number of rows.

PostgreSQL: statement-level triggers with transition tables, so a bulk INSERT … SELECT of
millions of rows adds one delta row per status. SQLite (``make run``): row-level triggers.

Installed by :func:`install` after every ``migrate`` (post_migrate, ops/apps.py), idempotently.
On SQLite, Django rebuilds a table to alter it, which drops its triggers: ``install`` puts them
back and, since changes went uncounted meanwhile, clears the rollup so that the next refresh
counts in full once.
"""

# ruff: noqa: S608  (every SQL string here is built from the constants above, never from input)

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models

DELTAS = "ops_rollupdelta"


@dataclass(frozen=True)
class Counted:
    """One rollup kept by triggers: rows of ``table`` counted by ``column``."""

    name: str  # the rollup's name (ops.rollups.VARIANTS, ASSETS)
    model: str  # "app_label.Model"
    field: str  # the counted field
    function: str  # the PostgreSQL function; its triggers are named after it

    @property
    def rows(self) -> type[models.Model]:
        return apps.get_model(self.model)

    @property
    def table(self) -> str:
        return self.rows._meta.db_table

    @property
    def column(self) -> str:
        return self.rows._meta.get_field(self.field).column

    @property
    def triggers(self) -> tuple[str, str, str]:
        return (f"{self.function}_ins", f"{self.function}_upd", f"{self.function}_del")

    def pg_function(self) -> str:
        name, column = self.name, self.column
        return f"""
CREATE OR REPLACE FUNCTION {self.function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO {DELTAS} (name, key, delta)
      SELECT '{name}', {column}, count(*) FROM new_rows GROUP BY {column};
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO {DELTAS} (name, key, delta)
      SELECT '{name}', {column}, -count(*) FROM old_rows GROUP BY {column};
  ELSE
    INSERT INTO {DELTAS} (name, key, delta)
      SELECT '{name}', {column}, sum(n) FROM (
        SELECT {column}, 1 AS n FROM new_rows UNION ALL SELECT {column}, -1 FROM old_rows
      ) AS changed GROUP BY {column} HAVING sum(n) <> 0;
  END IF;
  RETURN NULL;
END $$;
"""

    def pg_triggers(self) -> list[str]:
        ins, upd, dele = self.triggers
        run = f"FOR EACH STATEMENT EXECUTE FUNCTION {self.function}()"
        return [
            f"CREATE TRIGGER {ins} AFTER INSERT ON {self.table} "
            f"REFERENCING NEW TABLE AS new_rows {run}",
            f"CREATE TRIGGER {upd} AFTER UPDATE ON {self.table} "
            f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows {run}",
            f"CREATE TRIGGER {dele} AFTER DELETE ON {self.table} "
            f"REFERENCING OLD TABLE AS old_rows {run}",
        ]

    def sqlite_triggers(self) -> list[str]:
        ins, upd, dele = self.triggers
        name, column, table = self.name, self.column, self.table
        into = f"INSERT INTO {DELTAS} (name, key, delta) VALUES"
        return [
            f"CREATE TRIGGER {ins} AFTER INSERT ON {table} BEGIN "
            f"{into} ('{name}', NEW.{column}, 1); END",
            f"CREATE TRIGGER {upd} AFTER UPDATE OF {column} ON {table} "
            f"WHEN OLD.{column} <> NEW.{column} BEGIN "
            f"{into} ('{name}', OLD.{column}, -1), ('{name}', NEW.{column}, 1); END",
            f"CREATE TRIGGER {dele} AFTER DELETE ON {table} BEGIN "
            f"{into} ('{name}', OLD.{column}, -1); END",
        ]


COUNTED = (
    Counted("variants", "aiassets.Variant", "status", "ops_variant_rollup"),
    Counted("assets", "aiassets.Asset", "moderation_status", "ops_asset_rollup"),
)
TRIGGERS = tuple(name for counted in COUNTED for name in counted.triggers)


def installed(connection: Any) -> set[str]:
    """The names of our triggers present in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(%s)",
                [list(TRIGGERS)],
            )
        else:
            marks = ", ".join(["%s"] * len(TRIGGERS))
            cursor.execute(
                f"SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",
                list(TRIGGERS),
            )
        return {row[0] for row in cursor.fetchall()}


def install(connection: Any) -> bool:
    """Create the triggers that are missing. Returns True when any was (the rollup is then
    cleared: changes made without them were not counted)."""
    if connection.vendor not in ("postgresql", "sqlite"):
        return False
    tables = set(connection.introspection.table_names())
    if not {*(c.table for c in COUNTED), DELTAS, "ops_rollup"} <= tables:
        return False  # a partial migrate: the next full one installs them
    present = installed(connection)
    if present == set(TRIGGERS):
        return False
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for counted in COUNTED:
            if postgres:
                cursor.execute(counted.pg_function())
            statements = counted.pg_triggers() if postgres else counted.sqlite_triggers()
            for name, sql in zip(counted.triggers, statements, strict=True):
                if name not in present:
                    cursor.execute(sql)
        cursor.execute(f"DELETE FROM {DELTAS}")
        cursor.execute("DELETE FROM ops_rollup")  # counted in full at the next refresh
    return True


def on_post_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    install(connections[using])
