"""Values read from a page, made safe before they become a key, a path or a column.

Every byte of a page is hostile: a `<html lang>` of «ar/eg» or «../../x» must never reach a partition
key or a file name, a title must not carry NUL bytes or be a megabyte long, a canonical URL must be
a URL. Each function here returns a sane value or None (the caller then falls back)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from common.langtag import language_tag

UNDETERMINED = "und"
# tags that declare nothing: undetermined, multiple, no linguistic content, uncoded
_NO_LANGUAGE = {"und", "mul", "zxx", "mis"}
MAX_TITLE_CHARS = 1000
MAX_AUTHOR_CHARS = 300
MAX_URL_CHARS = 2083  # the longest URL browsers and Scrapy accept
_URL_SCHEMES = ("http", "https")


def primary_language(value: object) -> str | None:
    """The primary language subtag of a well-formed tag («ar-EG» → «ar»), or None (also for «und»)."""
    tag = language_tag(value)
    primary = tag.split("-", 1)[0] if tag else None
    return None if primary in _NO_LANGUAGE else primary


def article_language(value: object) -> str:
    """The language column: a well-formed tag, else «und»."""
    return language_tag(value) or UNDETERMINED


# Unicode's control characters (general category Cc) are exactly these two ranges
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
# a character a URL must not hold: white space (str.isspace's, which is re's \s) or a control
_NOT_IN_URL = re.compile("[\\s\x00-\x1f\x7f-\x9f]")


def clean_line(value: object, max_chars: int) -> str | None:
    """One line of text (a title, an author): control characters become spaces, runs of white space
    one space, cut to `max_chars`; None when nothing is left."""
    if not isinstance(value, str):
        return None
    text = " ".join(_CONTROLS.sub(" ", value[: max_chars * 4]).split())
    return text[:max_chars].rstrip() or None


_TEXT_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(value: str) -> str:
    """Body text: control characters other than newline and tab removed."""
    return _TEXT_CONTROLS.sub("", value)


def safe_url(base: str, value: object) -> str | None:
    """`value` resolved against `base` when it is an absolute http(s) URL with a host, no white space or
    control characters and at most MAX_URL_CHARS characters; else None."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_URL_CHARS:
        return None
    try:
        url = urljoin(base, value.strip())
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range or not a number
    except ValueError:  # «http://[::1» and the like
        return None
    if parts.scheme not in _URL_SCHEMES or not parts.hostname or len(url) > MAX_URL_CHARS:
        return None
    if _NOT_IN_URL.search(url):
        return None
    return url
