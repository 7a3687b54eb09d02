"""The package's imports point one way (faces → orchestration → kind slices → match/report →
index/corpus → normalize → licences → records/config/errors/kinds), with no cycle, and no
module of the core imports a kind slice: read from the source, lazy imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "wherefrom"

# Lower number, lower layer. A module may import its own layer or lower ones only.
LAYERS = {
    "records": 0, "config": 0, "errors": 0, "kinds": 0, "archive": 0, "progress": 0, "_core": 0,
    "licenses": 1, "law": 1,
    "normalize": 2,
    "index": 3, "corpus": 3,
    "match": 4, "report": 4,
    "image": 5, "music": 5,
    "build": 6, "check": 6, "audit": 6, "guard": 6, "scale": 6,
    "cli": 7, "serve": 7,
}
CORE = ("corpus", "normalize", "index", "match", "check", "report", "build")
SLICES = ("image", "music")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Every wherefrom module a module imports, at any depth of its code."""
    modules = {module_name(path) for path in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("wherefrom"):
                for alias in node.names:  # `from wherefrom import kinds` imports a module
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in modules else node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("wherefrom"))
        graph[module_name(path)] = found
    return {m: {t for t in targets if t in modules and t != m} for m, targets in graph.items()}


def layer(module: str) -> int:
    parts = module.split(".")
    if parts[-1] == "cli":  # a package's command-line glue is a face
        return LAYERS["cli"]
    if len(parts) == 1:  # the package itself: `__version__` and layer-0 names, the rest lazily
        return 0
    return LAYERS[parts[1]]


GRAPH = imports()


def test_every_package_has_a_layer() -> None:
    packages = {m.split(".")[1] for m in GRAPH if "." in m}
    assert packages <= set(LAYERS), f"packages without a layer: {sorted(packages - set(LAYERS))}"


def test_the_public_api_imports_only_the_lowest_layer_eagerly() -> None:
    """`import wherefrom` stays light: the engine is named by dotted path and loaded on use."""
    tree = ast.parse((SRC / "__init__.py").read_text(encoding="utf-8"))
    eager = [n.module for n in tree.body if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("wherefrom")]
    assert eager and all(layer(m) == 0 for m in eager), eager


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m != "wherefrom"))
def test_imports_point_down(module: str) -> None:
    upward = sorted(t for t in GRAPH[module] if layer(t) > layer(module))
    assert not upward, f"{module} (layer {layer(module)}) imports higher layers: {upward}"


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m.split(".")[1:2] and m.split(".")[1] in CORE))
def test_core_never_imports_a_kind_slice(module: str) -> None:
    slices = sorted(t for t in GRAPH[module] if t.split(".")[1:2] and t.split(".")[1] in SLICES)
    assert not slices, f"{module} imports {slices}; ask the kind registry instead"


def test_no_import_cycle() -> None:
    """Depth-first search over module imports (the public API module, which names
    everything lazily, is left out)."""
    graph = {m: {t for t in ts if t != "wherefrom"} for m, ts in GRAPH.items() if m != "wherefrom"}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycle = stack[stack.index(target):] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
