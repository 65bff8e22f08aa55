"""newsarchive/research/history_render.py: a story's history as text (right-to-left marks on Arabic lines,
colours only when asked) and as HTML, where whatever a page carried (a title with markup) is text, never
markup. (The `history` command end to end: test_history.py.)"""

from __future__ import annotations

from datetime import timedelta

from archive.store import open_store
from newsarchive.research import history_render
from newsarchive.research.history import story_history
from tests.archive.test_stories import DAY, URL, capture, publish_days

HOSTILE = '<script>alert(1)</script> قصف على "ريف" إدلب & <b>'


def _history(tmp_path):
    store = open_store(str(tmp_path / "archive"))
    publish_days(store, [[capture(1, DAY)], [capture(2, DAY + timedelta(1), title=HOSTILE)]])
    warned: list[str] = []
    return story_history(store, URL, warned.append), warned


def test_text_marks_arabic_lines_and_colours_only_when_asked(tmp_path):
    history, warned = _history(tmp_path)
    assert warned == [] and len(history.versions) == 2
    plain = history_render.text(history)
    coloured = history_render.text(history, color=True)
    assert "\x1b[" not in plain and "\x1b[" in coloured
    assert "v1  2026-11-21 03:00 UTC  new" in plain and "v2  2026-11-22 03:00 UTC  edited" in plain
    arabic = [line for line in plain.splitlines() if "إدلب" in line]
    assert arabic and all(line.lstrip().startswith("\u200f") for line in arabic)


def test_html_shows_a_hostile_title_as_text(tmp_path):
    history, _ = _history(tmp_path)
    page = history_render.html_document(history)
    assert page.startswith("<!doctype html><html>") and page.endswith("</body></html>\n")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>" not in page.replace("<b>v1</b>", "").replace("<b>v2</b>", "")
    assert page.count("<li>") == 2 and 'dir="rtl"' in page
    assert history_render.html_page(history) in page
