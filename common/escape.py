"""Text from the web made inert for each output it reaches: one function per output syntax, used by every
writer of that output (titles, repeated lines, URLs and author names all come from pages).

- `visible`: the characters no human-facing output carries raw, shown as `\\x1b` or `\\u202e` text: C0 and
  C1 controls (but newline and tab), DEL, lone surrogates, the line and paragraph separators, and the
  bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which reorder everything after
  them. Arabic letters, joiners and the bidi marks (ALM, LRM, RLM: they reorder nothing) are kept.
- `terminal`: one cell or line for a terminal: visible(), newlines and tabs as spaces.
- `csv_cell`: visible(); a cell a spreadsheet would read as a formula (its first character = + - @, tab
  or CR) gets a leading ' (OWASP's advice on CSV injection); the csv writer quotes the rest.
- `bibtex`, `bibtex_url`: visible(); TeX's specials as commands and braces as \\textbraceleft{} and
  \\textbraceright{}, so an entry's braces balance whatever the page held; a URL percent-encoded beyond
  printable ASCII and the characters BibTeX counts.
- `json_text`: JSON, lossless: every character visible() shows, and U+0085, U+2028 and U+2029 (where
  JSON-lines readers split lines), as \\u escapes.
- `html`: visible(), then & < > " ' as entities.
- `slack`: Slack mrkdwn: visible(), then & < > as entities (Slack's control characters: no mention, link
  or command survives) and ` as ˋ (U+02CB), so text in a code block stays in it.
- `header`: one line of an email header: terminal(), cut to a length.
- `markdown`: one line of Markdown text or a table cell (the bucket's dataset card): terminal()'s one
  line, whitespace runs as one space, and every character Markdown or its HTML would act on (\\ ` * _ [ ]
  < > | # ! ~ & and a line's leading + - = or the dot of a leading number) backslash-escaped.
"""

from __future__ import annotations

import html as _html
import json
import re
from typing import Any
from urllib.parse import quote

_SHOWN = [
    *range(0x00, 0x09),
    *range(0x0B, 0x20),
    *range(0x7F, 0xA0),
    0x2028,
    0x2029,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
]
_VISIBLE = {cp: (f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}") for cp in _SHOWN}
_VISIBLE.update({cp: f"\\u{cp:04x}" for cp in range(0xD800, 0xE000)})  # lone surrogates
_JSON = {cp: f"\\u{cp:04x}" for cp in [*_SHOWN, *range(0xD800, 0xE000)] if cp >= 0x7F}
# RE2 (pyarrow) and Python: a value that csv_cell changes (its rule, for columns checked in bulk)
CSV_RISKY = (
    r"^[=+\-@\t\r]|[\x{0}-\x{8}\x{b}-\x{1f}\x{7f}-\x{9f}\x{2028}\x{2029}\x{202a}-\x{202e}"
    r"\x{2066}-\x{2069}]"
)
FORMULA_FIRST = frozenset("=+-@\t\r")
_BIB = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_BIB_SPECIAL = re.compile(r"[\\{}%&$#_^~]")
_URL_SAFE = "".join(
    chr(c) for c in range(0x21, 0x7F) if chr(c) not in '{}\\"%'
)  # % stays as it is when it starts an escape
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def visible(text: str) -> str:
    return text.translate(_VISIBLE)


def terminal(text: str) -> str:
    return visible(text.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))


def csv_cell(text: str) -> str:
    text = visible(text)
    return "'" + text if text[:1] in FORMULA_FIRST else text


def bibtex(text: str) -> str:
    """A field value: whitespace runs as one space, TeX's specials escaped, braces balanced."""
    return _BIB_SPECIAL.sub(lambda m: _BIB[m.group(0)], " ".join(visible(text).split()))


def bibtex_url(url: str) -> str:
    """A url field (verbatim in biblatex): the same URL, percent-encoded where BibTeX or TeX would not
    take a character as it is (braces, backslash, quotes, spaces, controls, anything past ASCII)."""
    return quote(_PERCENT.sub("%25", url), safe=_URL_SAFE + "%", errors="backslashreplace")


def json_text(
    value: Any, *, indent: int | None = None, default: Any = None, sort_keys: bool = False
) -> str:
    """JSON of `value` (one line unless `indent`): valid, lossless, nothing in it a terminal or a
    JSON-lines reader would act on."""
    text = json.dumps(
        value, ensure_ascii=False, indent=indent, default=default, sort_keys=sort_keys
    )
    return text.translate(_JSON)


def html(text: str) -> str:
    return _html.escape(visible(text), quote=True)


def slack(text: str) -> str:
    return (
        visible(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("`", "\u02cb")
    )


def header(text: str, limit: int = 200) -> str:
    line = terminal(text)
    return line if len(line) <= limit else line[: limit - 1] + "…"


_MARKDOWN = re.compile(r"[\\`*_\[\]<>|#!~&]")
_MARKDOWN_LEAD = re.compile(r"^(?:([+\-=])|(\d+)([.)]))")


def markdown(text: str) -> str:
    line = _MARKDOWN.sub(lambda m: "\\" + m.group(0), " ".join(terminal(text).split()))
    return _MARKDOWN_LEAD.sub(
        lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), line
    )
