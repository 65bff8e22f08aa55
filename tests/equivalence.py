"""The same day, whichever path made it: what a researcher and an archivist get from a day's snapshot
(its article ids, their `duplicate_of` and `revision_of`, their texts, and the gap records), with the
timestamps, run ids and provenance that differ by path left aside; and the check that re-extraction with
unchanged rules publishes nothing."""

from __future__ import annotations

import secrets
from datetime import date

from archive.snapshot import load_manifest, read_rows, resolve_snapshot
from archive.store import Store, open_store
from newsarchive.config import Settings

LIVING_DAYS = (date(2026, 11, 21), date(2026, 11, 22))  # the reference days of the living replica


def fingerprint(store: Store, day: date) -> dict:
    manifest = load_manifest(store, resolve_snapshot(store, day.isoformat()))
    rows = read_rows(store, manifest)
    return {
        "articles": {r.id: (r.duplicate_of, r.revision_of, r.text) for r in rows},
        "gaps": {
            o: (c.gap.stage, c.gap.reason, c.gap.message)
            for o, c in manifest.outlets.items()
            if c.gap is not None
        },
    }


def same_day(got: dict, expected: dict, path: str) -> None:
    """Equal, or an error that says what differs (not 200 rows of texts)."""
    ids, want = set(got["articles"]), set(expected["articles"])
    assert ids == want, (
        f"{path}: article ids differ: {len(ids - want)} extra, {len(want - ids)} missing"
    )
    differ = {
        i: (got["articles"][i][:2], expected["articles"][i][:2])
        for i in ids
        if got["articles"][i] != expected["articles"][i]
    }
    assert not differ, f"{path}: rows differ (duplicate_of, revision_of) or in text: {differ}"
    assert got["gaps"] == expected["gaps"], path
    assert sum(1 for d, _, _ in got["articles"].values() if d), f"{path}: no duplicate to compare"


def reextract_publishes_nothing(archive: str, day: date) -> None:
    """`newsarchive reextract` of the day with the rules that made it: nothing changed, nothing published."""
    from newsarchive.reextract.day import ReextractRequest, reextract_day

    settings = Settings(archive=archive)
    before = resolve_snapshot(open_store(archive), day.isoformat())
    result = reextract_day(settings, day, ReextractRequest(), f"reextract__{secrets.token_hex(3)}")
    assert result.published is None and result.note == "nothing changed: no rev published", (
        result.headline(),
        [r.render() for r in result.reports if r.changed],
    )
    assert resolve_snapshot(open_store(archive), day.isoformat()) == before
