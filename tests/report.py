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
    print_edges(write_line)


EDGES: dict[str, list[int]] = {}


def edge_row(
    cls: str, *, held: bool, traceback: bool = False, forged: bool = False, lost: int = 0
) -> None:
    """One case of an edge class (issue 24): tried once; held when it ended as the class promises."""
    row = EDGES.setdefault(cls, [0, 0, 0, 0, 0])
    for n, value in enumerate((1, held, traceback, forged, lost)):
        row[n] += int(value)


def print_edges(write_line) -> None:
    """One line per class: `edges (CLASS): N tried, N held, 0 tracebacks, 0 forged, 0 lost`."""
    for cls, (tried, held, tracebacks, forged, lost) in sorted(EDGES.items()):
        write_line(
            f"edges ({cls}): {tried} tried, {held} held, {tracebacks} tracebacks, "
            f"{forged} forged, {lost} lost"
        )
