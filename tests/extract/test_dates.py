"""Dates as pages write them: the three Arabic month-name families, Arabic-Indic digits, times, URLs."""

from datetime import date

import pytest

from extract.dates import date_in_text, date_in_url, is_date_line, normalise_date
from replica.datelines import LATIN, MAGHREB, SYRIAC

DAMASCUS = "Asia/Damascus"
# Morocco writes some months its own way; the Egyptian/Gulf spellings vary by a hamza or a letter
MOROCCO = {7: "يوليوز", 8: "غشت", 9: "شتنبر", 11: "نونبر", 12: "دجنبر"}
VARIANTS = {4: "إبريل", 6: "يونيه", 7: "يوليه"}


@pytest.mark.parametrize("family", [LATIN, SYRIAC, MAGHREB], ids=["latin", "syriac", "maghreb"])
@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_of_every_family(family, month):
    assert (
        date_in_text(f"نشر في 5 {family[month - 1]} 2021", DAMASCUS)
        == date(2021, month, 5).isoformat()
    )


@pytest.mark.parametrize("month, name", [*MOROCCO.items(), *VARIANTS.items()])
def test_regional_spellings(month, name):
    assert date_in_text(f"5 {name} 2021", DAMASCUS) == date(2021, month, 5).isoformat()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("٣٠ مارس، ٢٠١٨", "2018-03-30"),  # Arabic-Indic digits
        ("۳۰ مارس ۲۰۱۸", "2018-03-30"),  # Persian digits
        ("الجمعة ٢٠ نوفمبر، ٢٠٢٦ ٠٩:١٥", "2026-11-20T09:15:00+03:00"),
        ("12 كانون الثاني/يناير 2020", "2020-01-12"),  # two families side by side
        (
            "الأحد 12 من كانون الثاني 2020 - 10:49",
            "2020-01-12T10:49:00+02:00",
        ),  # winter time in 2020
        (
            "نُشر في ٥ أيّار ٢٠٢٢ الساعة 11:00 مساءً",
            "2022-05-05T23:00:00+03:00",
        ),  # tashkeel, PM marker
        ("5 أيار 2022 12:30 ص", "2022-05-05T00:30:00+03:00"),  # 12:30 AM
        ("November 18, 2019 5:01 PM", "2019-11-18T17:01:00+02:00"),
        ("Updated Nov. 5 2019", "2019-11-05"),
        ("2020-01-12 10:49", "2020-01-12T10:49:00+02:00"),
    ],
)
def test_dates_people_read(text, expected):
    assert date_in_text(text, DAMASCUS) == expected


@pytest.mark.parametrize(
    "text", ["31 فيفري 2020", "لا تاريخ هنا", "5 مارس 1887", "قبل 3 ساعات", "12/01/2020"]
)
def test_no_date_is_invented(text):
    """Impossible days, years outside news archives and ambiguous numeric dates give nothing."""
    assert date_in_text(text, DAMASCUS) is None


def test_time_is_the_outlets_local_time():
    assert (
        date_in_text("20 نوفمبر 2026 على الساعة 10:00", "Europe/Paris")
        == "2026-11-20T10:00:00+01:00"
    )


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://arabic.euronews.com/2026/11/20/syria-report-3", "2026-11-20"),
        ("https://example.org/news/2019-1-5-title", "2019-01-05"),
        ("https://www.anapress.net/a/254711180498222", None),
        ("https://example.org/2019/13/40/x", None),
        ("https://example.org/x?from=2019/11/18/", None),
        ("file:///home/me/saved/2019/11/18/page.html", None),
    ],
)
def test_dates_in_urls(url, expected):
    assert date_in_url(url) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2019-11-18T10:49:00+0300", "2019-11-18T10:49:00+03:00"),
        ("2019-11-18T07:49:00Z", "2019-11-18T07:49:00+00:00"),
        ("2019-11-18 10:49", "2019-11-18T10:49:00+02:00"),  # no offset: the outlet's zone
        ("2019-11-18", "2019-11-18"),  # a date stays a date
        ("Mon, 18 Nov 2019 10:49:00 GMT", "2019-11-18T10:49:00+00:00"),
        ("٢٠١٩-١١-١٨", "2019-11-18"),
        ("not a date", None),
        ("0001-01-01T00:00:00", None),
        ("", None),
    ],
)
def test_machine_dates(value, expected):
    assert normalise_date(value, DAMASCUS) == expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("السبت ٣١ مارس، ٢٠١٨", True),
        ("الجمعة 20 نوفمبر 2026 - 08:15", True),
        ("6 أفريل 2018 على الساعة 17:32", True),
        ("20 تشرين الثاني/نوفمبر 2026", True),
        (
            "قال المتحدث في 20 نوفمبر 2026 إن الاتفاق انهار",
            False,
        ),  # a story sentence that mentions a date
    ],
)
def test_date_lines(line, expected):
    assert is_date_line(line) is expected
