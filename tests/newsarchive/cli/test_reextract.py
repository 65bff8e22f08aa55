"""newsarchive/cli/reextract.py: `newsarchive reextract` names a bad range, an unknown outlet and a range
without snapshots in one line before any work, and a day that fails costs only that day (its FAILED line,
the other days done, exit 1). (Re-extraction itself, its reports and what it publishes, on the replica:
tests/newsarchive/reextract/test_day.py.)"""

from __future__ import annotations

from datetime import date

import pytest

from archive import layout
from archive.snapshot import publish_snapshot
from archive.store import open_store
from newsarchive.cli.main import main
from tests.archive.warcs import Page, page_html, row, write_warc


def _run(*argv: str) -> int:
    try:
        return main(["reextract", *argv])
    except SystemExit as exc:  # refused by an argument's type
        return int(exc.code or 0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2026-11-22", "--until", "2026-11-21"], "give a range that runs forward"),
        (
            ["--since", "2026-11-21", "--until", "2026-11-21"],
            "no snapshot from 2026-11-21 to 2026-11-21",
        ),
        (
            ["--since", "2026-11-21", "--until", "2026-11-21", "--outlet", "nosuch"],
            "unknown outlet",
        ),
        (["--since", "21/11/2026", "--until", "2026-11-21"], "is not a date"),
    ],
    ids=["backwards", "no-snapshot", "unknown-outlet", "not-a-date"],
)
def test_bad_ranges_and_outlets_are_one_line_errors(tmp_path, capsys, args, message):
    archive = str(tmp_path / "empty")
    open_store(archive)
    assert _run(*args, "--archive", archive) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_a_day_that_fails_costs_only_that_day(tmp_path, capsys):
    store = open_store(tmp_path / "archive")
    for n, day in enumerate([date(2026, 11, 20), date(2026, 11, 21)]):
        page = Page(
            f"https://www.enabbaladi.net/archives/{n}",
            f"<urn:uuid:00000000-0000-4000-8000-00000000000{n}>",
            f"{day}T03:00:00Z",
            page_html("حلب", "نص"),
        )
        warc = write_warc(tmp_path / f"e{n}.warc.gz", [page], {page.record_id: f"id000{n}"})
        ref, _ = publish_snapshot(store, day, [row(n, page, "enabbaladi")], {"enabbaladi": warc})
        if n == 0:
            store.put_bytes(ref.prefix + layout.MANIFEST, b'{"damaged": ', overwrite=True)
    argv = ["--since", "2026-11-20", "--until", "2026-11-21", "--outlet", "orient"]
    assert _run(*argv, "--archive", str(tmp_path / "archive")) == 1
    out, err = capsys.readouterr()
    assert err.startswith("FAILED 2026-11-20: ") and "manifest.json does not match" in err
    assert err.count("\n") == 1  # the error, in one line
    # the next day is done all the same (orient has no row in it: nothing to re-extract)
    assert out == "2026-11-21: nothing to re-extract for these outlets (2026-11-21 rev 1)\n"
