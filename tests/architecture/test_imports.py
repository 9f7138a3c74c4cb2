"""Who may import whom: one-way layers, no cycles, only the installed ``greendc.*`` names.

Every import counts, function-local and ``TYPE_CHECKING`` ones included: an upward import hidden
inside a function is still an upward import (docs/architecture.md, "Layers").
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Repository folder -> installed package name, lowest layer first.
LAYERS: dict[str, str] = {
    "weather": "greendc.weather",
    "sites": "greendc.sites",
    "optimizer": "greendc.optimizer",
    "dashboard": "greendc.dashboard",
    "greendc": "greendc",
}
#: The generic names the repository's folders would have as top-level packages.
BARE = ("weather", "sites", "optimizer", "dashboard")


def module_name(path: Path) -> str:
    """The installed dotted name of a product source file."""
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    prefix = LAYERS[parts[0]]
    return ".".join([prefix, *parts[1:]])


def product_files() -> list[Path]:
    """Every Python file of the five packages."""
    return sorted(p for folder in LAYERS for p in (ROOT / folder).rglob("*.py"))


def imports_of(source: str, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, absolute dotted name) of every import in a module's source, relative ones resolved."""
    here = module.split(".")
    package = here if is_package else here[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *filter(None, [base])])
            yield node.lineno, base
            for alias in node.names:  # `from greendc.optimizer import accounting` imports a module
                yield node.lineno, f"{base}.{alias.name}"


def imported_names(path: Path) -> Iterator[tuple[int, str]]:
    """The imports of a product file."""
    return imports_of(path.read_text(), module_name(path), path.name == "__init__.py")


def layer_of(name: str) -> int | None:
    """The layer index of a greendc module (0 = weather ... 4 = CLI), None for third-party names."""
    matches = [(len(prefix), index) for index, prefix in enumerate(LAYERS.values())
               if name == prefix or name.startswith(prefix + ".")]
    return max(matches)[1] if matches else None  # the longest prefix: greendc.sites is not the CLI


MODULES = {module_name(p): p for p in product_files()}


def graph() -> dict[str, set[str]]:
    """Module -> the product modules it imports (names that are not modules, e.g. classes, dropped)."""
    edges: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        edges[name] = {target for _, target in imported_names(path) if target in MODULES and target != name}
    return edges


def violations(module: str, imports: Iterator[tuple[int, str]]) -> list[str]:
    """What breaks the rules in one module's imports: a bare generic name or an upward import."""
    source = layer_of(module)
    found = []
    for line, target in imports:
        if target.split(".")[0] in BARE:
            found.append(f"line {line}: {target} (use greendc.{target})")
        elif (layer := layer_of(target)) is not None and source is not None and layer > source:
            found.append(f"line {line}: {target} is a higher layer")
    return sorted(found)


@pytest.mark.parametrize("path", product_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_upward_import_and_no_bare_name(path: Path) -> None:
    assert violations(module_name(path), imported_names(path)) == [], path


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None (depth-first search with colours)."""
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if colour.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in colour and (found := visit(nxt)):
                return found
        stack.pop()
        colour[node] = 2
        return None

    for node in sorted(edges):
        if node not in colour and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_between_modules() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_rules_see_a_function_local_upward_import_and_a_bare_name() -> None:
    source = ("def f():\n    from ..dashboard.app import create_app\n    return create_app\n"
              "def g():\n    import sites\n")
    found = violations("greendc.optimizer.plan", imports_of(source, "greendc.optimizer.plan", False))
    assert found == ["line 2: greendc.dashboard.app is a higher layer",
                     "line 2: greendc.dashboard.app.create_app is a higher layer",
                     "line 5: sites (use greendc.sites)"]
