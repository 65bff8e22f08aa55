"""newsarchive/reextract/plan.py: a day's archived captures extracted again from the WARCs of the revs
that hold them, with no request to any outlet. A WARC that cannot be read costs only its outlet's rows,
which stay as archived; a row the current extractor no longer gets an article from is kept as archived
and reported. (`newsarchive reextract` and the derived rev it publishes: test_day.py.)"""

from __future__ import annotations

from dataclasses import replace

import pytest

from archive import layout
from archive.snapshot import SnapshotRef, load_manifest, publish_snapshot
from archive.store import open_store
from extract.engine import OutletContext
from extract.provenance import extractor_id
from newsarchive import __version__
from newsarchive.config import Settings
from newsarchive.reextract.plan import crawl_rev, plan_day
from outlets.registry import load_registry
from tests.archive.test_stories import DAY, capture
from tests.archive.warcs import Page, page_html, write_warc
from tests.conftest import ROOT
from tests.newsarchive.run.staging import text

REGISTRY = load_registry(ROOT / "outlets.toml")
ANAPRESS, ORIENT = REGISTRY.get("anapress"), REGISTRY.get("orient")
CURRENT = extractor_id(OutletContext.for_outlet(ANAPRESS), __version__)


def _row(n: int, outlet: str = "anapress", **kw):
    host = {"anapress": "www.anapress.net/a", "orient": "www.orient-news.net/ar/news_show"}[outlet]
    return capture(n, DAY, url=f"https://{host}/{n}", outlet=outlet, text=text(n), **kw)


def _publish(store, tmp_path, rows, bodies=None):
    """The day's rev: the rows, and per outlet a WARC holding each row's capture (its page, or the
    body given for its id)."""
    warcs = {}
    for outlet in sorted({r.outlet for r in rows}):
        pages = [
            Page(r.url, r.capture_id, "2026-11-21T03:00:00Z", (bodies or {}).get(r.id) or page_html(r.title, r.text))
            for r in rows
            if r.outlet == outlet
        ]  # fmt: skip
        warcs[outlet] = write_warc(tmp_path / f"{outlet}.warc.gz", pages)
    ref, _ = publish_snapshot(store, DAY, rows, warcs)
    return ref


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(archive=str(tmp_path / "archive"), extract_workers=1)


def test_rows_made_by_the_current_extractor_are_not_stale(settings, tmp_path):
    store = open_store(settings.archive)
    rows = [_row(1, extractor=CURRENT), _row(2, extractor=CURRENT), _row(3, "orient")]
    ref = _publish(store, tmp_path, rows)

    plan = plan_day(settings, store, ref, [ANAPRESS], only_stale=True)

    assert not plan.changed and plan.work == {}
    assert sorted(r.id for r in plan.rows) == sorted(
        r.id for r in rows
    )  # orient: not selected, kept
    assert {r.carried_from for r in plan.rows} == {ref.label}  # every capture is in the rev's WARCs
    assert plan.own == {r.id for r in rows} and plan.source == ref


def test_a_warc_that_cannot_be_read_keeps_its_outlets_rows_as_archived(settings, tmp_path):
    store = open_store(settings.archive)
    rows = [_row(1), _row(2), _row(3, "orient")]
    ref = _publish(store, tmp_path, rows)
    warc = tmp_path / "archive" / layout.warc_key(ref.prefix, "anapress")
    warc.write_bytes(b"not the WARC the manifest names")

    plan = plan_day(settings, store, ref, [ANAPRESS], only_stale=False)

    [problem] = plan.work["anapress"].problems
    assert problem.startswith(f"anapress: the WARC of {ref.label} cannot be read (")
    assert problem.endswith("; 2 rows kept as archived")
    assert layout.warc_key(ref.prefix, "anapress") in problem  # the object, named
    kept = {r.id: r for r in plan.rows}
    assert set(kept) == {r.id for r in rows} and not plan.changed
    assert all(kept[r.id].text == r.text and kept[r.id].extractor is None for r in rows)


def test_a_rev_whose_manifest_lists_no_warc_for_the_outlet_is_named(settings, tmp_path):
    store = open_store(settings.archive)
    rows = [_row(1)]
    ref, _ = publish_snapshot(store, DAY, rows, {})  # rows without their WARC (an import, say)
    plan = plan_day(settings, store, ref, [ANAPRESS], only_stale=False)
    assert plan.work["anapress"].problems == [
        f"anapress: {ref.label} lists no WARC; 1 rows kept as archived"
    ]
    assert [r.text for r in plan.rows] == [rows[0].text]


def test_a_derived_rev_reads_the_captures_of_the_rev_it_was_derived_from(tmp_path):
    store = open_store(tmp_path / "archive")
    first = _publish(store, tmp_path, [_row(1)])
    source = SnapshotRef(DAY.isoformat(), 2)
    derived = replace(load_manifest(store, first), rev=2, derived_from=first.label)
    assert crawl_rev(store, source, derived) == first.label
    assert crawl_rev(store, first, load_manifest(store, first)) == first.label


@pytest.mark.slow  # extraction worker processes
def test_rows_are_extracted_again_and_one_no_longer_extracted_is_kept_as_archived(
    settings, tmp_path
):
    store = open_store(settings.archive)
    rows = [_row(1), _row(2), _row(3, "orient")]
    ref = _publish(store, tmp_path, rows, bodies={rows[1].id: b"<html><body></body></html>"})

    plan = plan_day(settings, store, ref, [ANAPRESS], only_stale=False)

    work = plan.work["anapress"]
    by_id = {r.capture_id: r for r in plan.rows}
    again = by_id[rows[0].capture_id]
    assert again.extractor == CURRENT and again.text.split() == rows[0].text.split()
    assert again.carried_from == ref.label and again.fetched_at == rows[0].fetched_at
    lost = by_id[rows[1].capture_id]
    assert lost == replace(rows[1], carried_from=ref.label)  # kept exactly as archived
    assert (work.extracted, work.own_lost, sum(work.failed.values())) == (1, 1, 1)
    assert [f["url"] for f in work.diff.newly_failing] == [rows[1].url]
    assert by_id[rows[2].capture_id].extractor is None  # orient was not selected
    assert plan.changed and work.problems == []
