"""The diff report of a re-extraction: word-level changes, the lines removed most often, fields."""

from archive.records import ArchivedRow, Manifest
from newsarchive.reextract.report import OutletDiff, word_changes


def _row(n: int, text: str, title: str = "t") -> ArchivedRow:
    return ArchivedRow(
        id=f"id{n}-{hash(text) & 0xFFFF}",
        url=f"https://x.example/a/{n}",
        canonical_url=f"https://x.example/a/{n}",
        outlet="x",
        title=title,
        author=None,
        published="2026-11-21T08:00:00+03:00",
        date_source="meta",
        modified=None,
        language="ar",
        text=text,
        capture_id=f"<urn:uuid:{n}>",
    )


def test_word_changes_counts_words_removed_and_added():
    assert word_changes("a b c d", "a b c d") == (0, 0)
    assert word_changes("a b c d promo line", "a b c d") == (2, 0)
    assert word_changes("a b c", "a x c y") == (1, 2)


def test_a_furniture_line_removed_from_every_article_is_named_with_its_count():
    diff = OutletDiff("2026-11-21", "x", "2026-11-21 rev 1", "0.1.0 options=1 rules=2")
    for n in range(5):
        story = f"story {n} first line\nsecond line of story {n}"
        assert diff.compare(_row(n, story + "\nحمّلوا تطبيقنا"), _row(n, story))
    assert not diff.compare(_row(9, "same\ntext"), _row(9, "same\ntext"))
    assert diff.compare(_row(7, "kept", title="old"), _row(7, "kept", title="new"))
    diff.failed("https://x.example/a/8", "no-article", had_row=True)
    diff.failed("https://x.example/a/10", "timeout", had_row=False)
    out = diff.to_dict()
    assert (
        out["lines_removed"] == [{"line": "حمّلوا تطبيقنا", "articles": 5}]
        and out["lines_added"] == []
    )
    assert out["text_changed"] == {
        "articles": 5,
        "words_removed": 10,
        "words_added": 0,
        "words_before": 55,
    }
    assert out["processed"] == 9 and out["unchanged"] == 1 and out["fields_changed"] == {"title": 1}
    assert (
        out["newly_failing"] == [{"url": "https://x.example/a/8", "reason": "no-article"}]
        and out["still_failing"] == 1
    )
    text = diff.render()
    assert (
        "    5 × حمّلوا تطبيقنا" in text
        and "metadata changed: title 1" in text
        and "newly failing: https://x.example/a/8" in text
    )


def test_a_derived_manifest_round_trips():
    manifest = Manifest(
        day="2026-11-21",
        rev=2,
        created_at="2026-11-29T03:00:00+00:00",
        run_id="reextract__x",
        software="newsarchive 0.1.0",
        config_hash="abc",
        outlets={},
        files=[],
        base="2026-11-21 rev 1",
        derived_from="2026-11-21 rev 1",
        derived_reason="a rule",
        extractor="0.1.0 options=1234abcd",
        rules={"anapress": "deadbeef"},
    )
    again = Manifest.from_bytes(manifest.to_bytes())
    assert (again.derived_from, again.derived_reason, again.extractor, again.rules) == (
        "2026-11-21 rev 1",
        "a rule",
        "0.1.0 options=1234abcd",
        {"anapress": "deadbeef"},
    )
    plain = Manifest.from_bytes(
        Manifest(
            **{
                **manifest.__dict__,
                "derived_from": None,
                "derived_reason": None,
                "extractor": None,
                "rules": {},
            }
        ).to_bytes()
    )
    assert (
        plain.derived_from is None
        and "derived" not in plain.to_dict()
        and "extractor" not in plain.to_dict()
    )
