"""What changed between two versions of a story, word by word: the one diff every reader shows
(`newsarchive history`, its JSON, the Archive page's changes).

- `title` and `lead` (the first paragraph): their word diff when they changed (None: unchanged);
- `paragraphs`: the text's paragraphs aligned (difflib on whole paragraphs), each one added, removed or
  edited (a pair of paragraphs that still share most of their words), with its word diff;
- `numbers`: the numbers (Western or Arabic-Indic digits) the text lost and gained, as the page wrote
  them (a casualty figure corrected from ١٢ to ١٥ is `removed ["١٢"], added ["١٥"]`);
- `dates`: the publication and modification dates that changed, and dates written in the text that the
  text lost or gained; `author`: the byline before and after, when it changed.
A word is a run of non-space characters: Arabic text is compared as the page wrote it, with no folding,
so a corrected hamza or diacritic is a change a reader sees.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from typing import Any

EDITED_MIN_RATIO = 0.4  # paragraphs sharing less than this share of their words: removed + added
_NUMBER = re.compile(r"[0-9٠-٩]+(?:[.,٫٬][0-9٠-٩]+)*")
_DATE = re.compile(
    r"[0-9٠-٩]{4}[-/][0-9٠-٩]{1,2}[-/][0-9٠-٩]{1,2}|[0-9٠-٩]{1,2}[-/][0-9٠-٩]{1,2}[-/][0-9٠-٩]{4}"
)


@dataclass(frozen=True)
class Words:
    """A word diff: (op, text) pieces in reading order; op is "=" (kept), "-" (removed), "+" (added)."""

    pieces: tuple[tuple[str, str], ...]

    @property
    def changed(self) -> bool:
        return any(op != "=" for op, _ in self.pieces)


@dataclass(frozen=True)
class Paragraph:
    kind: str  # added, removed, edited
    old: int | None  # its position in the old text (0: the lead), None when added
    new: int | None
    words: Words


@dataclass(frozen=True)
class VersionDiff:
    title: Words | None
    lead: Words | None
    paragraphs: tuple[Paragraph, ...]
    numbers_removed: tuple[str, ...]
    numbers_added: tuple[str, ...]
    dates: tuple[tuple[str, str | None, str | None], ...]  # (what, before, after)
    author: tuple[str | None, str | None] | None = None  # (before, after) when the byline changed

    @property
    def empty(self) -> bool:
        return not (self.title or self.lead or self.paragraphs or self.dates or self.author)

    def to_dict(self) -> dict[str, Any]:
        def words(w: Words | None) -> list[list[str]] | None:
            return [list(p) for p in w.pieces] if w else None

        data = asdict(self)
        data["title"], data["lead"] = words(self.title), words(self.lead)
        data["paragraphs"] = [
            {"kind": p.kind, "old": p.old, "new": p.new, "words": words(p.words)}
            for p in self.paragraphs
        ]
        data["numbers_removed"], data["numbers_added"] = (
            list(self.numbers_removed),
            list(self.numbers_added),
        )
        data["dates"] = [{"what": w, "before": b, "after": a} for w, b, a in self.dates]
        data["author"] = list(self.author) if self.author else None
        return data


def word_diff(old: str, new: str) -> Words:
    a, b = old.split(), new.split()
    pieces: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(("=", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("+", " ".join(b[j1:j2])))
    return Words(tuple(pieces))


def paragraphs_of(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split("\n") if p.strip()]


def _ratio(old: str, new: str) -> float:
    return SequenceMatcher(None, old.split(), new.split(), autojunk=False).ratio()


def _paragraphs(old: list[str], new: list[str]) -> list[Paragraph]:
    out: list[Paragraph] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(pairs):
            o, n = old[i1 + k], new[j1 + k]
            if _ratio(o, n) >= EDITED_MIN_RATIO:
                out.append(Paragraph("edited", i1 + k, j1 + k, word_diff(o, n)))
            else:
                out.append(Paragraph("removed", i1 + k, None, Words((("-", o),))))
                out.append(Paragraph("added", None, j1 + k, Words((("+", n),))))
        for i in range(i1 + pairs, i2):
            out.append(Paragraph("removed", i, None, Words((("-", old[i]),))))
        for j in range(j1 + pairs, j2):
            out.append(Paragraph("added", None, j, Words((("+", new[j]),))))
    return out


def _lost_and_gained(pattern: re.Pattern[str], old: str, new: str) -> tuple[tuple[str, ...], ...]:
    a, b = Counter(pattern.findall(old)), Counter(pattern.findall(new))
    return tuple(sorted((a - b).elements())), tuple(sorted((b - a).elements()))


def diff(old: dict[str, Any], new: dict[str, Any]) -> VersionDiff:
    """The diff between two versions given as rows (title, text, and the date fields as text)."""
    old_paras, new_paras = paragraphs_of(old.get("text")), paragraphs_of(new.get("text"))
    title = word_diff(old.get("title") or "", new.get("title") or "")
    lead = word_diff(old_paras[0] if old_paras else "", new_paras[0] if new_paras else "")
    old_text, new_text = old.get("text") or "", new.get("text") or ""
    removed, added = _lost_and_gained(_NUMBER, old_text, new_text)
    dates: list[tuple[str, str | None, str | None]] = []
    for what in ("published", "published_date", "modified", "modified_date"):
        before, after = old.get(what), new.get(what)
        if before != after:
            dates.append(
                (
                    what,
                    None if before is None else str(before),
                    None if after is None else str(after),
                )
            )
    lost, gained = _lost_and_gained(_DATE, old_text, new_text)
    dates += [("text", d, None) for d in lost] + [("text", None, d) for d in gained]
    return VersionDiff(
        title if title.changed else None,
        lead if lead.changed else None,
        tuple(_paragraphs(old_paras, new_paras)),
        removed,
        added,
        tuple(dates),
        (old.get("author"), new.get("author")) if old.get("author") != new.get("author") else None,
    )
