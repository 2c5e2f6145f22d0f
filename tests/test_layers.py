"""The import graph between our apps follows the layers (docs: README "Architecture").

    top      api, public, ops        may import any app below (and each other)
    middle   moderation, delivery    import aiassets only, never each other
    bottom   aiassets                imports no other app of ours

An edge is any `import`/`from … import` (module level or inside a function), any string
literal naming a module of ours (job paths, dotted-path defaults), and any setting that a
module hands to `import_string`/`import_module` (read from the running settings): a hook
setting that names an upper app is the same dependency as an import, only hidden.

Pure `ast` over the source files: no app code is executed, so it runs anywhere, in CI too.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
LAYERS: dict[str, int] = {
    "aiassets": 0,
    "moderation": 1,
    "delivery": 1,
    "api": 2,
    "public": 2,
    "ops": 2,
    "webhooks": 2,
}
TOP = max(LAYERS.values())
LOADERS = {"import_string", "import_module"}

# Known violations, named one by one as (module, imported) so nothing new can hide behind
# them; test_allowlist_is_not_stale fails as soon as an entry is no longer needed. Empty: the
# renditions/API refactor removed the three string hooks (AIASSETS_VARIANT_URL, _WITHDRAW,
# _REPUBLISH) and moved faces and erasure into moderation.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()


def app_of(dotted: str) -> str | None:
    top = dotted.split(".", 1)[0]
    return top if top in LAYERS else None


def allowed(importer: str, imported: str) -> bool:
    """May a module of app ``importer`` depend on app ``imported``?"""
    if importer == imported:
        return True
    if LAYERS[importer] == TOP:
        return True
    return LAYERS[imported] < LAYERS[importer]


def project_modules() -> Iterator[tuple[str, Path]]:
    for app in LAYERS:
        base = ROOT / app
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def names_a_module(text: str) -> bool:
    """Whether a string literal is a dotted path into a module of ours: ``"moderation.jobs.x"``
    is, ``"moderation.decide"`` (a permission) or ``"moderation.face_redaction"`` is not."""
    parts = text.split(".")
    if app_of(text) is None or len(parts) < 2 or not all(p.isidentifier() for p in parts):
        return False
    for end in range(len(parts), 1, -1):
        try:
            if importlib.util.find_spec(".".join(parts[:end])) is not None:
                return True
        except (ImportError, ValueError):
            continue
    return False


def _setting_name(arg: ast.expr) -> str | None:
    """``settings.X`` / ``conf.X`` / ``getattr(settings, "X")`` / ``conf.get("X")`` → X."""
    if isinstance(arg, ast.Attribute) and arg.attr.isupper():
        return arg.attr
    if isinstance(arg, ast.Call) and arg.args:
        index = 1 if getattr(arg.func, "id", "") == "getattr" else 0
        name = arg.args[index] if len(arg.args) > index else None
        if isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value.isupper():
            return name.value
    return None


def _hook_targets(name: str) -> list[str]:
    value = getattr(settings, name, None)
    values = value if isinstance(value, list | tuple) else [value]
    return [v for v in values if isinstance(v, str) and app_of(v)]


def imports_of(module: str, path: Path) -> set[str]:
    """Every module or dotted path of ours that ``module`` depends on."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, is_package, node)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if names_a_module(node.value):
                found.add(node.value)
        elif isinstance(node, ast.Call) and _loader_name(node.func) in LOADERS and node.args:
            name = _setting_name(node.args[0])
            if name:
                found.update(_hook_targets(name))
    return {f for f in found if app_of(f)}


def _loader_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def violations() -> set[tuple[str, str]]:
    out = set()
    for module, path in project_modules():
        importer = app_of(module)
        for target in imports_of(module, path):
            if not allowed(importer, app_of(target)):
                out.add((module, target))
    return out


@pytest.fixture(scope="module")
def found() -> set[tuple[str, str]]:
    return violations()


def test_no_app_imports_an_app_above_it(found):
    new = sorted(found - KNOWN_VIOLATIONS)
    assert not new, "layer violations (importer, imported):\n" + "\n".join(map(str, new))


def test_allowlist_is_not_stale(found):
    gone = sorted(KNOWN_VIOLATIONS - found)
    assert not gone, f"remove these from KNOWN_VIOLATIONS, they no longer occur: {gone}"


def aiassets_setting_hooks() -> set[tuple[str, str]]:
    """A dotted path in aiassets' settings (AIASSETS_* or aiassets/conf.py's) is a hook for
    aiassets to import: it may only name aiassets itself."""
    from aiassets.conf import DEFAULTS

    names = {n for n in dir(settings) if n.startswith("AIASSETS_")} | set(DEFAULTS)
    return {
        (name, value)
        for name in names
        for value in _hook_targets(name)
        if app_of(value) != "aiassets" and names_a_module(value)
    }


def test_no_aiassets_setting_names_another_app():
    bad = aiassets_setting_hooks()
    assert not bad, f"aiassets settings naming upper apps: {sorted(bad)}"


def test_the_rule_itself():
    assert allowed("moderation", "aiassets") and allowed("api", "moderation")
    assert allowed("public", "ops") and allowed("delivery", "delivery")
    assert not allowed("aiassets", "moderation") and not allowed("aiassets", "api")
    assert not allowed("moderation", "delivery") and not allowed("delivery", "moderation")
    assert not allowed("moderation", "public") and not allowed("delivery", "api")


def test_the_scanner_sees_hidden_edges(tmp_path, settings):
    """Function-level, relative and string imports, and a hook setting, all count."""
    settings.LAYER_TEST_HOOK = "moderation.workflow.withdraw"
    source = (
        "from django.utils.module_loading import import_string\n"
        "def f():\n"
        "    from delivery import signing\n"
        "    from ..ops import metrics\n"
        "    import_string(settings.LAYER_TEST_HOOK)\n"
        "    return 'public.views.gallery', 'moderation.decide'\n"
    )
    path = tmp_path / "mod.py"
    path.write_text(source)
    found = imports_of("aiassets.sub.mod", path)
    assert {"delivery", "delivery.signing", "moderation.workflow.withdraw"} <= found
    assert "public.views.gallery" in found
    assert "aiassets.ops.metrics" in found  # relative: inside aiassets, allowed
    assert "moderation.decide" not in found
    settings.AIASSETS_LAYER_TEST = ["aiassets.storage", "delivery.signing.variant_url"]
    assert aiassets_setting_hooks() == {("AIASSETS_LAYER_TEST", "delivery.signing.variant_url")}


def test_every_app_is_scanned():
    scanned = {app_of(module) for module, _ in project_modules()}
    assert {"aiassets", "moderation", "delivery", "public", "ops"} <= scanned
