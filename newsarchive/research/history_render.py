"""A story's history for people: in a terminal and as HTML (the JSON is StoryHistory.to_dict).

Right-to-left text: every line of the story's own text is its own line, begun with U+200F (RIGHT-TO-LEFT
MARK) when it holds Arabic, so a terminal with bidi support (VTE: GNOME Terminal, Tilix; Konsole;
mlterm; Windows Terminal) and a pager lay it out right to left with the Latin labels on their own lines;
word changes are marked `[-removed-]` `{+added+}` as `git diff --word-diff` does, and coloured (red,
green) when the output is a terminal. In HTML each text block is `dir="rtl" lang="ar"` (`dir="auto"` for
text that is not Arabic) with `<del>` and `<ins>`. Everything from the page goes through the output's one
escaper (common/escape.py: terminal, html).
"""

from __future__ import annotations

import re

from archive.version_diff import VersionDiff, Words
from common.escape import html, terminal
from newsarchive.research.history import StoryHistory, Version

RLM = "\u200f"
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
RED, GREEN, DIM, RESET = "\x1b[31m", "\x1b[32m", "\x1b[2m", "\x1b[0m"


def _rtl(line: str) -> str:
    return RLM + line if _ARABIC.search(line) else line


def _words(words: Words, color: bool) -> str:
    out = []
    for op, text in words.pieces:
        shown = terminal(text)
        if op == "-":
            out.append(f"{RED}[-{shown}-]{RESET}" if color else f"[-{shown}-]")
        elif op == "+":
            out.append(f"{GREEN}{{+{shown}+}}{RESET}" if color else f"{{+{shown}+}}")
        else:
            out.append(shown)
    return " ".join(out)


def _diff_lines(d: VersionDiff, color: bool) -> list[str]:
    lines: list[str] = []
    if d.title:
        lines += ["    title:", "      " + _rtl(_words(d.title, color))]
    if d.lead:
        lines += ["    lead:", "      " + _rtl(_words(d.lead, color))]
    for p in d.paragraphs:
        if d.lead and p.kind == "edited" and p.old == 0 and p.new == 0:
            continue  # shown as the lead
        where = f"¶{(p.new if p.new is not None else p.old or 0) + 1}"
        lines += [f"    {where} {p.kind}:", "      " + _rtl(_words(p.words, color))]
    if d.numbers_removed or d.numbers_added:
        lines.append(
            "    numbers: "
            + _rtl(
                f"{' '.join(map(terminal, d.numbers_removed)) or '-'} → "
                f"{' '.join(map(terminal, d.numbers_added)) or '-'}"
            )
        )
    for what, before, after in d.dates:
        lines.append(f"    {what}: {terminal(before or '-')} → {terminal(after or '-')}")
    if d.author:
        before, after = d.author
        lines.append("    author: " + _rtl(f"{terminal(before or '-')} → {terminal(after or '-')}"))
    return lines


def _when(v: Version) -> str:
    return v.fetched_at.strftime("%Y-%m-%d %H:%M UTC") if v.fetched_at else "-"


def text(history: StoryHistory, color: bool = False) -> str:
    """The story's versions, oldest first, each with its date and word-level diff."""
    state = "gone" if history.gone else "live"
    lines = [
        terminal(
            f"story {history.story_id} ({history.outlet}): {len(history.versions)} version(s), {state}"
        )
    ]
    lines += ["  " + terminal(url) for url in history.urls]
    for v in history.versions:
        head = f"v{v.version}  {_when(v)}  {v.change}"
        if v.change == "gone":
            head += f" ({v.row['gone']})"
        head += f"  snapshot {v.snapshot}  capture {v.row['capture_id'] or '-'}"
        lines += ["", terminal(head)]
        if v.row["title"]:
            lines.append("    " + _rtl(terminal(v.row["title"])))
        if v.row["url"] != (history.urls[0] if history.urls else None):
            lines.append("    at " + terminal(v.row["url"]))
        if v.diff is not None:
            lines += _diff_lines(v.diff, color)
        if v.seen_again:
            last = v.last_seen.strftime("%Y-%m-%d") if v.last_seen else "-"
            seen = f"    seen again unchanged {v.seen_again} time(s), last {last}"
            lines.append(f"{DIM}{seen}{RESET}" if color else seen)
    return "\n".join(lines) + "\n"


def _dir(value: str) -> str:
    return 'dir="rtl" lang="ar"' if _ARABIC.search(value) else 'dir="auto"'


def html_words(words: Words) -> str:
    out = []
    for op, piece in words.pieces:
        shown = html(piece)
        out.append(
            f"<del>{shown}</del>" if op == "-" else f"<ins>{shown}</ins>" if op == "+" else shown
        )
    return " ".join(out)


def _html_block(label: str, words: Words) -> str:
    joined = " ".join(p for _, p in words.pieces)
    return f"<dt>{html(label)}</dt><dd {_dir(joined)}>{html_words(words)}</dd>"


def html_diff(d: VersionDiff) -> str:
    parts = []
    if d.title:
        parts.append(_html_block("title", d.title))
    if d.lead:
        parts.append(_html_block("lead", d.lead))
    for p in d.paragraphs:
        if d.lead and p.kind == "edited" and p.old == 0 and p.new == 0:
            continue
        where = (p.new if p.new is not None else p.old or 0) + 1
        parts.append(_html_block(f"¶{where} {p.kind}", p.words))
    if d.numbers_removed or d.numbers_added:
        parts.append(
            f'<dt>numbers</dt><dd dir="auto"><del>{html(" ".join(d.numbers_removed))}</del> → '
            f"<ins>{html(' '.join(d.numbers_added))}</ins></dd>"
        )
    for what, before, after in d.dates:
        parts.append(
            f"<dt>{html(what)}</dt><dd><del>{html(before or '-')}</del> → "
            f"<ins>{html(after or '-')}</ins></dd>"
        )
    return "<dl>" + "".join(parts) + "</dl>"


def html_page(history: StoryHistory) -> str:
    """The story's history as one HTML fragment (the Archive page embeds it; `--format html` wraps it)."""
    items = []
    for v in history.versions:
        title = v.row["title"] or ""
        change = v.change + (f" ({v.row['gone']})" if v.change == "gone" else "")
        body = html_diff(v.diff) if v.diff is not None else ""
        items.append(
            f'<li><p><b>v{v.version}</b> {html(_when(v))} <span class="change">{html(change)}</span> '
            f"snapshot {html(v.snapshot)}</p>"
            f"<p {_dir(title)}>{html(title)}</p>{body}</li>"
        )
    return (
        f'<section class="story"><h2>story {html(history.story_id)} ({html(history.outlet)})</h2>'
        f"<p>{'gone' if history.gone else 'live'}: {len(history.versions)} version(s)</p>"
        f"<ol>{''.join(items)}</ol></section>"
    )


def html_document(history: StoryHistory) -> str:
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>story '
        f"{html(history.story_id)}</title><style>del{{background:#fdd}}ins{{background:#dfd}}"
        "</style></head><body>" + html_page(history) + "</body></html>\n"
    )
