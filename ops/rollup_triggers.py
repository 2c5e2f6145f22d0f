"""Database triggers that keep the variants-by-status rollup as rows change.

Every statement that inserts, deletes or changes the status of variant rows appends its net
change per status to ``ops_rollupdelta`` (insert-only: no hot counter row for build workers to
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

from typing import Any

TABLE = "aiassets_variant"
DELTAS = "ops_rollupdelta"
NAME = "variants"  # ops.rollups.VARIANTS
TRIGGERS = ("ops_variant_rollup_ins", "ops_variant_rollup_upd", "ops_variant_rollup_del")

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION ops_variant_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO {DELTAS} (name, key, delta)
      SELECT '{NAME}', status, count(*) FROM new_rows GROUP BY status;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO {DELTAS} (name, key, delta)
      SELECT '{NAME}', status, -count(*) FROM old_rows GROUP BY status;
  ELSE
    INSERT INTO {DELTAS} (name, key, delta)
      SELECT '{NAME}', status, sum(n) FROM (
        SELECT status, 1 AS n FROM new_rows UNION ALL SELECT status, -1 FROM old_rows
      ) AS changed GROUP BY status HAVING sum(n) <> 0;
  END IF;
  RETURN NULL;
END $$;
"""
PG_TRIGGERS = [
    f"CREATE TRIGGER ops_variant_rollup_ins AFTER INSERT ON {TABLE} "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ops_variant_rollup()",
    f"CREATE TRIGGER ops_variant_rollup_upd AFTER UPDATE ON {TABLE} "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION ops_variant_rollup()",
    f"CREATE TRIGGER ops_variant_rollup_del AFTER DELETE ON {TABLE} "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ops_variant_rollup()",
]
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER ops_variant_rollup_ins AFTER INSERT ON {TABLE} BEGIN "
    f"INSERT INTO {DELTAS} (name, key, delta) VALUES ('{NAME}', NEW.status, 1); END",
    f"CREATE TRIGGER ops_variant_rollup_upd AFTER UPDATE OF status ON {TABLE} "
    f"WHEN OLD.status <> NEW.status BEGIN INSERT INTO {DELTAS} (name, key, delta) "
    f"VALUES ('{NAME}', OLD.status, -1), ('{NAME}', NEW.status, 1); END",
    f"CREATE TRIGGER ops_variant_rollup_del AFTER DELETE ON {TABLE} BEGIN "
    f"INSERT INTO {DELTAS} (name, key, delta) VALUES ('{NAME}', OLD.status, -1); END",
]


def installed(connection: Any) -> set[str]:
    """The names of our triggers present in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(%s)",
                [list(TRIGGERS)],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s, %s)",
                list(TRIGGERS),
            )
        return {row[0] for row in cursor.fetchall()}


def install(connection: Any) -> bool:
    """Create the triggers that are missing. Returns True when any was (the rollup is then
    cleared: changes made without them were not counted)."""
    if connection.vendor not in ("postgresql", "sqlite"):
        return False
    tables = set(connection.introspection.table_names())
    if not {TABLE, DELTAS, "ops_rollup"} <= tables:
        return False  # a partial migrate: the next full one installs them
    present = installed(connection)
    if present == set(TRIGGERS):
        return False
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
        statements = PG_TRIGGERS if connection.vendor == "postgresql" else SQLITE_TRIGGERS
        for name, sql in zip(TRIGGERS, statements, strict=True):
            if name not in present:
                cursor.execute(sql)
        cursor.execute(f"DELETE FROM {DELTAS}")
        cursor.execute("DELETE FROM ops_rollup")  # counted in full at the next refresh
    return True


def on_post_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    install(connections[using])
