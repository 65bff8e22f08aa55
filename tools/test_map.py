"""Which modules have a test file of their own: `tests/` mirrors the packages, so the tests of
`newsarchive/run/publish.py` are in `tests/newsarchive/run/test_publish.py`.

    python -m tools.test_map [--all]

Prints the modules with behaviour of their own and no test file (with their lines, largest first), then
how many of those modules have one. A module without behaviour of its own (a type alias, constants,
plugin wiring: NO_BEHAVIOUR, each with its reason) needs none and is not counted; `--all` lists every
module with the test file that mirrors it, or the reason it needs none. tests/tools/test_test_map.py
keeps the list exact and holds a new module to come with its test file.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("common", "outlets", "spiders", "extract", "dedup", "archive", "search", "newsarchive")

# Modules without behaviour of their own: nothing in them can be tested except through what uses them.
NO_BEHAVIOUR: dict[str, str] = {
    "common/errors.py": (
        "the error classes (a reason code and a message each): raised and checked where they happen, "
        "mapped to exit codes by newsarchive/errors.py (tests/newsarchive/test_errors.py)"
    ),
    "extract/arabic.py": "constants: the str.translate tables the furniture and date matchers use",
    "newsarchive/airflow_glue/context.py": "a type alias (TaskContext)",
    "newsarchive/airflow_glue/archive_page/plugin.py": (
        "Airflow plugin wiring (the app, the nav entry, the deadline reference); the DAG tests load it"
    ),
}


def modules(root: Path = ROOT) -> list[Path]:
    """Every module of the packages (relative to the root), `__init__.py` left out."""
    return sorted(
        path.relative_to(root)
        for package in PACKAGES
        for path in (root / package).rglob("*.py")
        if path.name != "__init__.py"
    )


def test_file(module: Path) -> Path:
    """Where the tests of `module` live: tests/<package>/<subpackage>/test_<module>.py."""
    return Path("tests", *module.parts[:-1], f"test_{module.name}")


def without_test_file(root: Path = ROOT) -> list[Path]:
    """The modules with behaviour of their own (NO_BEHAVIOUR left out) that have no test file."""
    return [
        m
        for m in modules(root)
        if m.as_posix() not in NO_BEHAVIOUR and not (root / test_file(m)).is_file()
    ]


def main(argv: list[str]) -> int:
    show_all = "--all" in argv
    every = modules()
    missing = sorted(
        without_test_file(),
        key=lambda m: -len((ROOT / m).read_text(encoding="utf-8").splitlines()),
    )
    if show_all:
        for module in every:
            has = (ROOT / test_file(module)).is_file()
            shown = test_file(module) if has else NO_BEHAVIOUR.get(module.as_posix(), "-")
            print(f"{str(module):<48} {shown}")
    else:
        print(f"{'module without a test file':<48} {'lines':>5}")
        for module in missing:
            lines = len((ROOT / module).read_text(encoding="utf-8").splitlines())
            print(f"{str(module):<48} {lines:>5}")
    counted = len(every) - len(NO_BEHAVIOUR)
    print(
        f"\n{counted - len(missing)} of {counted} modules with behaviour of their own have a test file"
        f" of their own ({len(NO_BEHAVIOUR)} modules without behaviour of their own: --all says why)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
