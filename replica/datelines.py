"""The date line each replica outlet prints by its headline, in that outlet's style, so the three
families of Arabic month names and Arabic-Indic digits reach the extractor as real pages give them:

- Anapress: Latin-derived names, Arabic-Indic digits, «الجمعة ٢٠ نوفمبر، ٢٠٢٦» (its time is apart);
- Orient: Latin-derived names, «الجمعة 20 نوفمبر 2026 - 09:00»;
- Enab Baladi: Syriac name with the Latin-derived one beside it, «20 تشرين الثاني/نوفمبر 2026»;
- Zaman al-Wasl: Syriac names, «الجمعة 20 تشرين الثاني 2026 - 09:00»;
- Euronews: French-derived (Maghreb) names, «20 نوفمبر 2026 على الساعة 10:00» («جانفي» … «ديسمبر»).
Times are the outlet's local time.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LATIN = (
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
)
SYRIAC = (
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
)
MAGHREB = (
    "جانفي",
    "فيفري",
    "مارس",
    "أفريل",
    "ماي",
    "جوان",
    "جويلية",
    "أوت",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
)
WEEKDAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")  # Monday first
_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def local(when: datetime, timezone: str) -> datetime:
    return when.astimezone(ZoneInfo(timezone))


def anapress(when: datetime) -> str:
    return f"{WEEKDAYS[when.weekday()]} {when.day} {LATIN[when.month - 1]}، {when.year}".translate(
        _INDIC
    )


def orient(when: datetime) -> str:
    return (
        f"{WEEKDAYS[when.weekday()]} {when.day} {LATIN[when.month - 1]} {when.year} - {when:%H:%M}"
    )


def enabbaladi(when: datetime) -> str:
    return f"{when.day} {SYRIAC[when.month - 1]}/{LATIN[when.month - 1]} {when.year}"


def zamanalwsl(when: datetime) -> str:
    return (
        f"{WEEKDAYS[when.weekday()]} {when.day} {SYRIAC[when.month - 1]} {when.year} - {when:%H:%M}"
    )


def maghreb(when: datetime) -> str:
    return f"{when.day} {MAGHREB[when.month - 1]} {when.year} على الساعة {when:%H:%M}"
