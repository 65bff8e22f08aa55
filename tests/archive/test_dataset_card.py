"""The dataset card (README.md) and Croissant file at the archive's root (archive/dataset_card.py,
archive/croissant.py, archive/dataset_docs.py): what they say from the manifests (outlets and their days,
the days covered and missing, gaps, counts), their decoders, and text from settings and pages that
cannot make markup in them. Loading them with mlcroissant and `datasets` is tested on a pipeline run
(tests/newsarchive/run/test_dataset_docs.py)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest

from archive import croissant, layout
from archive.current_table import refresh_day
from archive.dataset_card import DatasetInfo, decode_card, summarise
from archive.dataset_docs import write_dataset_docs
from archive.records import Gap, Manifest, OutletCounts
from archive.schema import COLUMNS, SCHEMA_VERSION
from archive.snapshot import DamagedObject, claim_rev, publish_snapshot, write_snapshot
from archive.store import open_store
from newsarchive.cli.main import main
from tests.archive.test_current_table import row

INFO = DatasetInfo("Syrian news", "Research only.", {"orient": "Orient News"}, "https://r.test/a")


def _gap_day(store, day: date) -> None:
    """A run in which orient's crawl failed and anapress archived one article."""
    ref = claim_rev(store, day, "run-gap")
    manifest = Manifest(
        day=ref.day,
        rev=ref.rev,
        created_at=datetime.now(UTC).isoformat(),
        run_id="run-gap",
        software="newsarchive",
        config_hash="",
        outlets={
            "orient": OutletCounts(status="gap", gap=Gap("crawl", "http_500", "HTTP 500")),
            "anapress": OutletCounts(archived=1, current=1, languages={"ar": 1}),
        },
        files=[],
        archived=1,
    )
    write_snapshot(store, ref, [row(50, outlet="anapress")], {}, manifest)
    refresh_day(store, day.isoformat())


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path / "archive")
    for day in (date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 21)):
        rows = [row(1), row(2, outlet="anapress", language="en"), row(3, duplicate_of=f"{1:016x}")]
        publish_snapshot(store, day, rows, {})
        refresh_day(store, day.isoformat())
    _gap_day(store, date(2026, 11, 22))
    return store


def test_the_card_says_outlets_days_gaps_and_counts_from_the_manifests(store):
    write_dataset_docs(store, INFO)
    card = decode_card(store.get_bytes(layout.DATASET_CARD))
    assert card.startswith('---\npretty_name: "Syrian news"\nlanguage:\n- "ar"\n- "en"\n')
    assert "| orient | Orient News | 2026-11-17 | 2026-11-21 | 3 | 3 | 3 | ar 6 |" in card
    assert "| anapress | anapress | 2026-11-17 | 2026-11-22 | 4 | 4 | 0 | ar 1, en 3 |" in card
    assert "Articles: 7 in all" in card  # what query counts not is_duplicate (below)
    assert "Days with a snapshot: 4 (2026-11-17 to 2026-11-22)." in card
    assert "Days without one in between: 2026-11-19 to 2026-11-20." in card
    assert "orient 2026-11-22 crawl:http\\_500" in card
    assert f"Schema version {SCHEMA_VERSION}." in card and "## Terms\n\nResearch only." in card
    assert all(f"`{c.name}`" in card for c in COLUMNS)
    assert "https://r.test/a/YYYYMMDDhhmmss/URL" in card


def test_the_card_counts_what_query_counts(store, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    summary = summarise(store)
    sql = "SELECT count(*) FROM articles_all WHERE NOT is_duplicate"
    assert main(["query", sql, "--archive", store.url]) == 0
    assert int(capsys.readouterr().out.splitlines()[1]) == summary.articles == 7


@pytest.mark.parametrize(
    "data",
    [b"", b"x" * 100, b"---\nno title\n", json.dumps({"a": 1}).encode(), b"\x00" * (9 << 20)],
)
def test_the_decoders_name_what_is_not_a_card_or_a_croissant_file(data):
    with pytest.raises(DamagedObject, match="README.md: damaged"):
        decode_card(data)
    with pytest.raises(DamagedObject, match="croissant.json: damaged"):
        croissant.decode(data)


def test_text_from_settings_and_manifests_makes_no_markup(store):
    hostile = "x | y\n## Injected\n<script>alert(1)</script> [link](https://evil.example) `code`"
    write_dataset_docs(store, DatasetInfo(hostile, hostile, {"orient": hostile}, "https://r.test"))
    card = decode_card(store.get_bytes(layout.DATASET_CARD))
    body = re.sub(r"\n```.*?\n```", "", card.split("\n---\n", 1)[1], flags=re.S)  # rendered text
    assert "\n## Injected" not in card and "<script>" not in body and "[link](" not in body
    assert card.count("\n| orient |") == 1 and "\\<script\\>" in body
    front = card.split("\n---\n", 1)[0]  # YAML: the name as one JSON string, on one line
    assert front.splitlines()[1] == "pretty_name: " + json.dumps(hostile, ensure_ascii=False)
    rows = [line for line in card.splitlines() if line.startswith("| orient |")]
    assert rows[0].count(" | ") == 7  # eight cells: the name stays in its own
    document = croissant.decode(store.get_bytes(layout.CROISSANT))
    assert document["name"] == hostile  # JSON keeps it as it is, escaped by its writer
