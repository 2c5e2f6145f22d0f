"""No function of ours is longer than 50 lines (from its ``def`` line to its last line,
decorators not counted): a longer one holds more than one step and hides its shape.

Pure ``ast`` over the source files of every project package, ``config/``, ``scripts/``,
``bench/`` and ``tests/`` (the tests too: a long test gets named helpers, its assertions
unchanged); migrations (generated), virtualenvs and ``tests/vendor`` are not ours to split.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 50
CHECKED = (
    "aiassets",
    "moderation",
    "delivery",
    "api",
    "public",
    "ops",
    "webhooks",
    "config",
    "scripts",
    "bench",
    "tests",
)
SKIPPED_PARTS = {"migrations", ".venv", "__pycache__"}
SKIPPED_PREFIXES = ("tests/vendor/",)


def project_files() -> Iterator[Path]:
    for top in CHECKED:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if SKIPPED_PARTS.intersection(relative.parts):
                continue
            if relative.as_posix().startswith(SKIPPED_PREFIXES):
                continue
            yield path


def long_functions(path: Path) -> Iterator[tuple[str, int, int]]:
    """(qualified name, first line, length) of each function in ``path`` over the limit."""

    def visit(node: ast.AST, prefix: str) -> Iterator[tuple[str, int, int]]:
        for child in ast.iter_child_nodes(node):
            name = getattr(child, "name", "")
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = child.end_lineno - child.lineno + 1
                if length > MAX_LINES:
                    yield f"{prefix}{name}", child.lineno, length
            qualified = f"{prefix}{name}." if name else prefix
            yield from visit(child, qualified)

    yield from visit(ast.parse(path.read_text(), filename=str(path)), "")


def test_no_function_is_longer_than_50_lines():
    offenders = [
        f"{path.relative_to(ROOT).as_posix()}:{line} {name}() is {length} lines"
        for path in project_files()
        for name, line, length in long_functions(path)
    ]
    assert not offenders, f"functions over {MAX_LINES} lines:\n  " + "\n  ".join(offenders)


def test_the_walk_sees_the_project():
    files = {path.relative_to(ROOT).as_posix() for path in project_files()}
    wanted = ("aiassets/models.py", "config/settings.py", "bench/render.py", "tests/conftest.py")
    for expected in wanted:
        assert expected in files
    assert not any(name.startswith("tests/vendor/") for name in files)
    assert not any("/migrations/" in name for name in files)
