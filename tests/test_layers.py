"""Dependencies point one way, read from every module's imports (ast; nothing is imported):

    dags → newsarchive → spiders, extract, dedup, archive → outlets → common

`extract`, `dedup` and `archive` import neither Scrapy nor Airflow nor each other, except
`archive/dedup_index.py` → `dedup` (dedup index segments are stored in snapshots; docs/architecture.md),
`archive/stories.py` → `dedup.urls` (a story is known by its pages' URL keys).
The replica (test and demo infrastructure) may use the product; the product never imports it except
the CLI's `replica`/`demo` commands, lazily (inside a function)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from tests.conftest import ROOT

# package -> its layer; a package may import its own layer's allowed peers (below) and any lower layer
LAYERS = {
    "common": 0,
    "outlets": 1,
    "spiders": 2,
    "extract": 2,
    "dedup": 2,
    "archive": 2,
    "newsarchive": 3,
    "dags": 4,
    "replica": 4,
    "search": 2.5,
}  # search reads archive and dedup's folding; newsarchive uses it
PEERS = {("spiders", "dedup"), ("archive", "dedup"), ("spiders", "archive")}  # same layer, allowed
# (canonical URLs; index segments; the archive's key space, where the crawl state lives)
PEER_MODULES = {
    ("spiders", "dedup"): None,
    ("archive", "dedup"): {"archive/dedup_index.py", "archive/stories.py"},
    ("spiders", "archive"): None,
}  # importer modules allowed (None: any module of the package)
PEER_TARGETS = {
    ("spiders", "archive"): {"archive.layout"}
}  # imported modules allowed (absent: any)
FORBIDDEN = {
    pkg: {"scrapy", "twisted", "airflow"}
    for pkg in ("common", "outlets", "extract", "dedup", "archive", "search")
}
LAZY_ONLY = {
    ("newsarchive", "replica")
}  # the CLI's `replica` and `demo`: only inside a function body


@cache  # each module parsed once, for the tests that read the imports
def _imports(path: Path) -> list[tuple[str, bool, set[str]]]:
    """(top-level module name, imported at module level, the dotted modules named) for every import."""
    tree = ast.parse(path.read_text(), str(path))
    found = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = top and not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((a.name.split(".")[0], top, {a.name}) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append(
                    (
                        child.module.split(".")[0],
                        top,
                        {child.module} | {f"{child.module}.{a.name}" for a in child.names},
                    )
                )
            elif (
                isinstance(child, ast.If)
                and isinstance(child.test, ast.Name)
                and child.test.id == "TYPE_CHECKING"
            ):
                continue  # annotations only
            visit(child, inner)

    visit(tree, True)
    return found


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    edges: dict[str, set[str]] = {pkg: set() for pkg in LAYERS}
    problems = []
    for pkg in LAYERS:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for name, top, modules in _imports(path):
                if name in FORBIDDEN.get(pkg, ()):
                    problems.append(f"{rel} imports {name}")
                if name not in LAYERS or name == pkg:
                    continue
                edges[pkg].add(name)
                if (pkg, name) in LAZY_ONLY:
                    if top:
                        problems.append(
                            f"{rel} imports {name} at module level (only lazily, in a function)"
                        )
                    continue
                if LAYERS[name] < LAYERS[pkg]:
                    continue
                allowed = PEER_MODULES.get((pkg, name), set())
                targets = PEER_TARGETS.get((pkg, name))
                if (
                    (pkg, name) in PEERS
                    and (allowed is None or rel in allowed)
                    and (targets is None or modules - {name} <= targets)
                ):
                    continue
                problems.append(
                    f"{rel} imports {name} (upward or sideways: {pkg} is layer {LAYERS[pkg]}, "
                    f"{name} layer {LAYERS[name]})"
                )
    return edges, problems


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    cycles, seen = [], set()

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt in path:
                cycle = path[path.index(nxt) :]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    cycles.append(cycle + [nxt])
            else:
                walk(nxt, path + [nxt])

    for start in sorted(edges):
        walk(start, [start])
    return cycles


def test_dependencies_point_one_way_and_packages_form_no_cycle():
    edges, problems = _graph()
    lazy = {(a, b) for a, b in LAZY_ONLY}
    cycles = _cycles({a: {b for b in bs if (a, b) not in lazy} for a, bs in edges.items()})
    print(
        f"\nlayers: {len(problems)} upward or forbidden imports, {len(cycles)} cycles between packages"
    )
    assert problems == []
    assert cycles == []


def test_the_layers_are_real_packages():
    assert all((ROOT / pkg / "__init__.py").exists() or pkg == "dags" for pkg in LAYERS)


def test_only_airflow_glue_imports_airflow():
    """Airflow is imported by newsarchive/airflow_glue/ (task bodies, labels, connections, alerts, the
    Archive page), the DAG files and the plugins folder, and nowhere else in the product."""
    allowed = ("newsarchive/airflow_glue/",)
    offenders = []
    for pkg in LAYERS:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if pkg in ("dags", "replica") or rel.startswith(allowed):
                continue
            offenders += [rel for name, _, _ in _imports(path) if name == "airflow"]
    assert offenders == []
