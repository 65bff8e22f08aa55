"""Which modules have a test file of their own: `tests/` mirrors the packages, so the tests of
`newsarchive/run/publish.py` are in `tests/newsarchive/run/test_publish.py`.

    python -m tools.test_map [--all]

Prints the modules without one (with their lines, largest first), then how many have one. A module without
a test file may still be tested through another's (a CLI command through its library, a record through
its writer); `--all` lists every module with the test file that mirrors it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("common", "outlets", "spiders", "extract", "dedup", "archive", "search", "newsarchive")


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


def main(argv: list[str]) -> int:
    show_all = "--all" in argv
    found = [(m, test_file(m), (ROOT / test_file(m)).is_file()) for m in modules()]
    missing = sorted(
        (m for m, _, has in found if not has),
        key=lambda m: -len((ROOT / m).read_text(encoding="utf-8").splitlines()),
    )
    if show_all:
        for module, test, has in found:
            print(f"{str(module):<48} {test if has else '-'}")
    else:
        print(f"{'module without a test file':<48} {'lines':>5}")
        for module in missing:
            lines = len((ROOT / module).read_text(encoding="utf-8").splitlines())
            print(f"{str(module):<48} {lines:>5}")
    print(f"\n{len(found) - len(missing)} of {len(found)} modules have a test file of their own")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
