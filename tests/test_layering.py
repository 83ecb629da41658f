"""The package reads top down and imports only downwards: no module imports a higher layer, the
parts import each other without a circle, and no module grows past 400 lines.

Layers, top down (README "Where things are"): the faces (cli/, __main__), the wiring
(runtime.py), web/, the stages (capture/, publish/), the core (recognition/, analytics/,
simulator/, sources/), the ground (gate, store, geometry, config, light, clock, ...).
Every import counts, also the ones inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "stromzaehler"
LAYERS: dict[str, int] = {
    "cli": 0, "__main__": 0,
    "runtime": 1,
    "web": 2,
    "capture": 3, "publish": 3,
    "recognition": 4, "analytics": 4, "simulator": 4, "sources": 4,
}
GROUND = 5  # every other top-level module: gate, store, geometry, config, light, clock, ...
MAX_LINES = 400
# Issue 16 splits it (pre-aggregate upkeep vs queries) together with the upkeep's rewrite.
LONG_ALLOWED = {"analytics/aggregate.py"}


def part_of(module: str) -> str:
    """`stromzaehler.web.api_live` -> "web"; `stromzaehler` itself -> "__init__"."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


def layer(part: str) -> int:
    return LAYERS.get(part, GROUND)


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    pieces = list(relative.parts)
    if pieces[-1] == "__init__":
        pieces.pop()
    return ".".join(pieces)


def imported_modules(path: Path) -> set[str]:
    """Every stromzaehler module `path` imports, relative imports resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # `from . import aggregate` names modules too
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {m for m in found if m == "stromzaehler" or m.startswith("stromzaehler.")}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def edges() -> set[tuple[str, str]]:
    """(importing part, imported part) between different top-level parts."""
    result = set()
    for path in modules():
        source = part_of(module_name(path))
        for target in imported_modules(path):
            if part_of(target) not in (source, "__init__"):
                result.add((source, part_of(target)))
    return result


def test_no_module_imports_a_higher_layer():
    upward = []
    for path in modules():
        source = part_of(module_name(path))
        for target in sorted(imported_modules(path)):
            if layer(part_of(target)) < layer(source):
                upward.append(f"{module_name(path)} imports {target}")
    assert upward == []


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle in `graph` (node -> nodes it imports), or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node):], node]
        if node in done:
            return None
        for target in sorted(graph.get(node, ())):
            circle = visit(target, [*path, node])
            if circle:
                return circle
        done.add(node)
        return None

    for node in sorted(graph):
        circle = visit(node, [])
        if circle:
            return circle
    return None


def test_the_parts_import_each_other_without_a_circle():
    graph: dict[str, set[str]] = {}
    for source, target in edges():
        graph.setdefault(source, set()).add(target)
    assert find_circle(graph) is None


def test_no_module_imports_itself_through_others():
    """Also inside a part (cli/__init__ and a command module, say), lazy imports included."""
    names = {module_name(p) for p in modules()}
    graph = {
        module_name(p): {m for m in imported_modules(p) if m in names and m != module_name(p)}
        for p in modules()
    }
    assert find_circle(graph) is None


def test_the_circle_check_finds_one():
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": set()}) is None


def test_web_knows_nothing_of_opencv():
    users = [
        module_name(p) for p in (PACKAGE / "web").rglob("*.py")
        if any(m in ("cv2", "numpy") for m in _third_party(p))
    ]
    assert users == []


def _third_party(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_is_longer_than_400_lines():
    long = {
        str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
        for p in modules()
    }
    assert {p: n for p, n in long.items() if n > MAX_LINES and p not in LONG_ALLOWED} == {}


def test_the_layer_check_sees_an_upward_import():
    """The checker itself: a relative import of the web from the ground is found."""
    path = PACKAGE / "gate.py"
    assert "stromzaehler.status" in imported_modules(path)
    assert layer(part_of("stromzaehler.web.app")) < layer(part_of("stromzaehler.gate"))
