"""BCP 47 language tags, checked for well-formedness (the registry, the CLI and the extractor use them)."""

from __future__ import annotations

import re

# RFC 5646 section 2.1 well-formedness (the grandfathered irregular tags like «i-klingon» are left out:
# they are deprecated and none is a language we archive). Private-use-only tags («x-foo») are not
# languages either, so they are refused too.
_ALNUM = "[a-z0-9]"
_LANGTAG = re.compile(
    r"(?P<language>[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})"
    r"(?:-(?P<script>[a-z]{4}))?"
    r"(?:-(?P<region>[a-z]{2}|[0-9]{3}))?"
    rf"(?P<variants>(?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*)"
    rf"(?P<extensions>(?:-[0-9a-wyz](?:-{_ALNUM}{{2,8}})+)*)"
    rf"(?P<private>-x(?:-{_ALNUM}{{1,8}})+)?"
)
# RFC 5646 4.4.1: 35 characters hold any language-extlang-script-region tag; room for a variant or two
MAX_TAG_CHARS = 64


def language_tag(value: object) -> str | None:
    """A well-formed BCP 47 tag in its canonical case («AR-eg» → «ar-EG», «ar_EG» → «ar-EG»), or None
    for anything else (a path, a 10 KB string, a NUL byte, an empty value)."""
    if not isinstance(value, str) or len(value) > MAX_TAG_CHARS:
        return None
    tag = value.strip().replace("_", "-").lower()
    if not tag.isascii() or (match := _LANGTAG.fullmatch(tag)) is None:
        return None
    parts = [match["language"]]
    if match["script"]:
        parts.append(match["script"].title())
    if match["region"]:
        parts.append(match["region"].upper())
    return "-".join(parts) + match["variants"] + match["extensions"] + (match["private"] or "")
