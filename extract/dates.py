"""Dates as news pages write them: ISO and RFC strings, Arabic and English month names, URL paths.

Arabic has three families of month names, and outlets use whichever their country does (some write
two, «كانون الثاني/يناير»):
- Syriac, in Syria, Lebanon, Jordan, Iraq and Palestine: كانون الثاني، شباط، آذار ... كانون الأول;
- from the Latin names, in Egypt, the Gulf and Sudan: يناير، فبراير، مارس ... ديسمبر;
- from the French names, in the Maghreb: جانفي، فيفري ... (Algeria, Tunisia), and Morocco's own
  يوليوز، غشت، شتنبر، نونبر، دجنبر.
Digits may be Arabic-Indic (٣٠ مارس، ٢٠١٨) or Persian (۳۰). A time without an offset is the outlet's
local time; a date without a time stays a date («2018-03-30»): we do not invent a time of day.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from extract.arabic import DIGITS, FOLD

# alef forms unified, tashkeel and tatweel dropped, so «أيار» and «ايار» are one name
_LETTERS = str.maketrans(FOLD)

MONTHS: dict[str, int] = {
    # Syriac family
    "كانون الثاني": 1,
    "شباط": 2,
    "آذار": 3,
    "نيسان": 4,
    "أيار": 5,
    "حزيران": 6,
    "تموز": 7,
    "آب": 8,
    "أيلول": 9,
    "تشرين الأول": 10,
    "تشرين الثاني": 11,
    "كانون الأول": 12,
    # Latin family (with the common spellings)
    "يناير": 1,
    "فبراير": 2,
    "مارس": 3,
    "أبريل": 4,
    "إبريل": 4,
    "ابريل": 4,
    "مايو": 5,
    "يونيو": 6,
    "يونيه": 6,
    "يوليو": 7,
    "يوليه": 7,
    "أغسطس": 8,
    "سبتمبر": 9,
    "أكتوبر": 10,
    "نوفمبر": 11,
    "ديسمبر": 12,
    # French family (Algeria, Tunisia) and Morocco's forms
    "جانفي": 1,
    "فيفري": 2,
    "أفريل": 4,
    "ماي": 5,
    "جوان": 6,
    "جويلية": 7,
    "أوت": 8,
    "يوليوز": 7,
    "غشت": 8,
    "شتنبر": 9,
    "نونبر": 11,
    "دجنبر": 12,
    # English, for the outlets' English editions
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH_KEYS = {name.strip().translate(_LETTERS).lower(): n for name, n in MONTHS.items()}
_MONTH = "|".join(
    re.escape(k).replace(r"\ ", r"\s+") for k in sorted(_MONTH_KEYS, key=len, reverse=True)
)
_SEP = r"\s*[,،.]?\s*"
# «30 مارس 2018», «30 آذار/مارس، 2018», «الأحد 12 من كانون الثاني 2020»
_DMY = rf"(?<![\w])(\d{{1,2}})\s*(?:من\s+)?({_MONTH})(?:\s*[/\\-]\s*(?:{_MONTH}))?(?![\w]){_SEP}(\d{{4}})(?!\d)"
# «November 18, 2019», «Nov. 18 2019»
_MDY = rf"(?<![\w])({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?{_SEP}(\d{{4}})(?!\d)"
# «2020-01-12» as some outlets print it
_YMD = r"(?<![\d/])(\d{4})-(\d{2})-(\d{2})(?![\d/])"
_MARKER = r"(ص|م|صباحا|مساء|مساءا|am|pm|a\.m\.|p\.m\.)"
_DAY_MONTH_YEAR = re.compile(_DMY, re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(_MDY, re.IGNORECASE)
_ISO_DAY = re.compile(_YMD)
# a time of day shortly after the date: «10:49», «10:49 م», «10:49 مساءً», «10:49 PM»
_TIME = re.compile(
    rf"^\D{{0,24}}?(\d{{1,2}}):(\d{{2}})(?::\d{{2}})?\s*{_MARKER}?(?![\w:])", re.IGNORECASE
)
_WEEKDAY = (
    "الاحد|الاثنين|الثلاثاء|الاربعاء|الخميس|الجمعة|السبت|"
    "sunday|monday|tuesday|wednesday|thursday|friday|saturday"
)
# a line that is only a date (the page's date line, not story text): weekday, date, time
_DATE_LINE = re.compile(
    rf"^(?:(?:{_WEEKDAY})\s*[,،]?\s*)?(?:{_DMY}|{_MDY}|{_YMD})"
    rf"(?:\s*[-–|،,]?\s*(?:على\s+)?(?:الساعة|at)?\s*\d{{1,2}}:\d{{2}}(?::\d{{2}})?\s*{_MARKER}?)?$",
    re.IGNORECASE,
)
_PM = ("م", "مساء", "مساءا", "pm", "p.m.")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?=[/\-_.]|$)")
FIRST_YEAR = 1990


def normalise_date(value: str | None, timezone: str) -> str | None:
    """A machine-written date (JSON-LD, meta, <time datetime>) as ISO 8601: a date-time with its
    offset (the outlet's zone when it has none), or a plain date. None when it is not a date."""
    if not value or not value.strip():
        return None
    value = value.strip().translate(DIGITS)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)  # RFC 2822, as in some meta tags and feeds
        except (TypeError, ValueError, IndexError):
            return None
    if len(value) == 10 and value[4] == "-":  # a date alone
        return parsed.date().isoformat() if _plausible(parsed.year) else None
    if not _plausible(parsed.year):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed.isoformat()


def date_in_text(text: str, timezone: str) -> str | None:
    """The first date written for people in `text` (with its time of day when one follows)."""
    text = text.translate(DIGITS).translate(_LETTERS)
    found: list[tuple[int, int, int, int, int]] = []  # (start, end, year, month, day)
    if m := _DAY_MONTH_YEAR.search(text):
        found.append((m.start(), m.end(), int(m.group(3)), _month(m.group(2)), int(m.group(1))))
    if m := _MONTH_DAY_YEAR.search(text):
        found.append((m.start(), m.end(), int(m.group(3)), _month(m.group(1)), int(m.group(2))))
    if m := _ISO_DAY.search(text):
        found.append((m.start(), m.end(), int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for _start, end, year, month, day in sorted(found):
        if (day_ := _date(year, month, day)) is None:
            continue
        if t := _TIME.match(text[end:]):
            hour, minute = int(t.group(1)), int(t.group(2))
            marker = (t.group(3) or "").lower()
            if marker in _PM and hour < 12:
                hour += 12
            elif marker and marker not in _PM and hour == 12:
                hour = 0
            if hour < 24 and minute < 60:
                when = datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(timezone))
                return when.isoformat()
        return day_.isoformat()
    return None


def is_date_line(line: str) -> bool:
    """True for a line that holds nothing but a date (and its weekday and time)."""
    return bool(_DATE_LINE.match(line.strip().translate(DIGITS).translate(_LETTERS)))


def date_in_url(url: str) -> str | None:
    """A /YYYY/MM/DD/ (or YYYY-MM-DD) date in a web URL's path, as a plain date (not in file paths:
    a folder named by date says when the page was saved, not published)."""
    if not url.startswith(("http://", "https://")):
        return None
    m = _URL_DATE.search(url.split("?", 1)[0])
    if not m:
        return None
    day = _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return day.isoformat() if day else None


def _month(name: str) -> int:
    return _MONTH_KEYS[" ".join(name.lower().split())]


def _plausible(year: int) -> bool:
    return FIRST_YEAR <= year <= date.today().year + 1


def _date(year: int, month: int, day: int) -> date | None:
    if not _plausible(year):
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
