"""archive/version_diff.py: the word-level diff between two versions of a story names what changed:
title, lead, paragraphs, numbers and dates."""

from __future__ import annotations

from datetime import date

from archive.version_diff import diff


def test_the_diff_names_title_lead_paragraphs_numbers_and_dates():
    old = {
        "title": "قصف على ريف إدلب",
        "text": "قال ناشطون إن ١٢ شخصا قتلوا.\nفقرة ثانية.\nفقرة ستحذف بالكامل من النص.",
        "published_date": date(2026, 11, 21),
    }
    new = {
        "title": "محدّث: قصف على ريف إدلب",
        "text": "قال ناشطون إن ١٥ شخصا قتلوا.\nفقرة ثانية.\nفقرة جديدة تماما عن موضوع آخر في 2026-11-23.",
        "published_date": date(2026, 11, 22),
    }
    d = diff(old, new)
    assert d.title and ("+", "محدّث:") in d.title.pieces
    assert d.lead and ("-", "١٢") in d.lead.pieces and ("+", "١٥") in d.lead.pieces
    kinds = [(p.kind, p.old, p.new) for p in d.paragraphs]
    assert kinds == [("edited", 0, 0), ("removed", 2, None), ("added", None, 2)]
    assert d.numbers_removed == ("١٢",) and "١٥" in d.numbers_added
    assert ("published_date", "2026-11-21", "2026-11-22") in d.dates
    assert ("text", None, "2026-11-23") in d.dates
