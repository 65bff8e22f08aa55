"""Tables that `make test` prints at the end (pytest_terminal_summary in tests/conftest.py)."""

from __future__ import annotations

MATRIX: list[tuple[str, bool, int, int, int]] = []


def matrix_row(case: str, *, survived: bool, lost: int, partial: int, without_capture: int) -> None:
    """One row of the integrity fault matrix (tests/newsarchive/run/test_integrity.py)."""
    MATRIX.append((case, survived, lost, partial, without_capture))


def print_tables(write_line) -> None:
    if MATRIX:
        write_line("")
        write_line("integrity fault matrix")
        write_line(
            f"{'case':<52} {'survived':>8} {'lost':>5} {'partial revs':>12} {'rows w/o capture':>16}"
        )
        for case, survived, lost, partial, without in MATRIX:
            write_line(
                f"{case:<52} {'yes' if survived else 'NO':>8} {lost:>5} {partial:>12} {without:>16}"
            )
