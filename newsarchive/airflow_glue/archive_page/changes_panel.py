"""The Archive page's "changes" panel: the stories edited and deleted per outlet and day (the table's
story columns, newsarchive/research/changes.py), each linked to its history with word-level diffs
(`story/<story_id>`, the same HTML as `newsarchive history --format html`)."""

from __future__ import annotations

from urllib.parse import quote

from common.escape import html as escape
from newsarchive.research.changes import DayChanges


def panel(changes: list[DayChanges]) -> str:
    out = [
        "<h2>Changes</h2><table id='changes'><tr><th>day</th><th>outlet</th><th>edited</th>"
        "<th>deleted</th><th>stories</th></tr>"
    ]
    for c in changes:
        links = " · ".join(
            f'<a class="story-link" data-change="{escape(kind)}" '
            f'href="story/{quote(story, safe="")}"><span dir="auto">{escape(title or story)}</span>'
            f" ({escape(kind)})</a>"
            for story, kind, title in c.stories
        )
        more = c.edited + c.gone - len(c.stories)
        if more > 0:
            links += f" <span class='muted'>and {more} more</span>"
        out.append(
            f'<tr class="change-row" data-day="{escape(c.day)}" data-outlet="{escape(c.outlet)}">'
            f"<td>{escape(c.day)}</td><td>{escape(c.outlet)}</td><td class='n'>{c.edited}</td>"
            f"<td class='n'>{c.gone}</td><td>{links}</td></tr>"
        )
    if not changes:
        out.append("<tr><td colspan='5' class='ok'>no edits or deletions in the window</td></tr>")
    out.append("</table>")
    return "".join(out)
