"""Print the project's shape: lines per folder and the import graph between its packages.

    python -m tools.package_graph [ROOT]

Read from the source with `ast` (nothing is imported). One line per folder (files, lines), then one line
per package and subpackage with the packages it imports at module level or lazily, then any cycle.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

PACKAGES = (
    "common",
    "outlets",
    "spiders",
    "extract",
    "dedup",
    "archive",
    "search",
    "newsarchive",
    "dags",
    "replica",
    "plugins",
)


def _unit(rel: Path) -> str:
    """A module's unit in the graph: its package, or `newsarchive/<subpackage>` one level down."""
    parts = rel.parts
    if parts[0] == "newsarchive" and len(parts) > 2:
        return f"newsarchive.{parts[1]}"
    return parts[0]


def _imported_units(path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] not in PACKAGES:
                continue
            unit = (
                ".".join(parts[:2])
                if parts[0] == "newsarchive" and ".".join(parts[:2]) in known
                else parts[0]
            )
            found.add(unit)
    return found


def main(root: Path) -> int:
    files_by_folder: dict[str, list[Path]] = defaultdict(list)
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            files_by_folder[path.parent.relative_to(root).as_posix()].append(path)
    print(f"{'folder':<34} {'files':>5} {'lines':>6}")
    total_files = total_lines = 0
    for folder in sorted(files_by_folder):
        lines = sum(
            len(p.read_text(encoding="utf-8").splitlines()) for p in files_by_folder[folder]
        )
        total_files += len(files_by_folder[folder])
        total_lines += lines
        print(f"{folder:<34} {len(files_by_folder[folder]):>5} {lines:>6}")
    print(f"{'(all)':<34} {total_files:>5} {total_lines:>6}")
    known = {
        _unit(p.relative_to(root)).replace("/", ".")
        for paths in files_by_folder.values()
        for p in paths
    }
    edges: dict[str, set[str]] = defaultdict(set)
    for paths in files_by_folder.values():
        for path in paths:
            unit = _unit(path.relative_to(root))
            edges[unit] |= _imported_units(path, known) - {unit}
    print("\nimports")
    for unit in sorted(known):
        print(f"  {unit:<28} -> {', '.join(sorted(edges[unit])) or '-'}")
    cycles = _cycles(edges)
    print("\ncycles: " + ("; ".join(" -> ".join(c + [c[0]]) for c in cycles) if cycles else "none"))
    return 0


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt in path:
                cycle = path[path.index(nxt) :]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    found.append(cycle)
            elif len(path) < 12:
                walk(nxt, path + [nxt])

    for start in sorted(edges):
        walk(start, [start])
    return found


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]))
