"""common/values.py: one validator per kind of value. Each kind parses what it accepts into its typed
value, refuses every example it lists as wrong (`bad_examples`) with a BadValue whose message is what it
accepts, and writes a value back as text that it parses to the same value (what the crawl process gets
with -s, what `newsarchive settings --shell` prints)."""

from __future__ import annotations

import os
from datetime import date, time, timedelta

import pytest

from common.values import (
    Ages,
    AnyDay,
    ArchiveLocation,
    BadValue,
    CollectionUrl,
    Cron,
    Day,
    Duration,
    Emails,
    Flag,
    HostMap,
    HostName,
    LanguageTag,
    LinearRegex,
    Name,
    Names,
    Number,
    OutletId,
    PathKind,
    PgOptions,
    Text,
    TimeOfDay,
    Url,
    Whole,
    day_range,
    linear_match,
    shown,
)

# each kind with a value it accepts, as a user writes it
GOOD = [
    (Whole(0, 3650, "days"), " 30 "),
    (Number(0, 10_000_000, "MiB"), "1234567"),
    (Number(0, 100_000, "MiB"), "2.5000001"),
    (Number(0.0, 1.0), ".25"),
    (Duration(0.0, 3600.0, low_open=True), "0.5"),
    (Flag(), "Yes"),
    (Day(), "2026-11-21"),
    (AnyDay(), "1970-01-01"),
    (Text(max_chars=20, strip=True), "  a label  "),
    (Name(), "crawl_pool.1"),
    (Names(), "crawl,process"),
    (Ages(3650), "1,7,30"),
    (Ages(3650), ""),
    (Emails(), "ops@example.org, desk@example.org"),
    (OutletId(), "enabbaladi"),
    (LanguageTag(), "AR_eg"),
    (LanguageTag(undetermined=True), "und"),
    (Url(), "https://www.enabbaladi.net/archives/%D8%A7"),
    (CollectionUrl(), "http://127.0.0.1:8090/all/"),
    (HostName(), "Worker-1"),
    (HostName(registrable=True), "WWW.Example.co.uk"),
    (HostMap(), '{"www.example.com": "127.0.0.1:8080"}'),
    (TimeOfDay(), "06:00:30"),
    (TimeOfDay(), "06:00"),
    (TimeOfDay(), "off"),
    (PathKind("output"), "/tmp/newsarchive-values-test.csv"),
    (PathKind("file", suffix=".prom"), "/tmp/metrics.prom"),
    (ArchiveLocation(), "s3://news-archive/ar"),
    (ArchiveLocation(), "relative/archive"),
    (Cron(), "0 3 * * mon-fri"),
    (Cron(), "@DAILY"),
    (Cron(), ""),
    (PgOptions(), "-c shared_buffers=256MB -c work_mem=16MB"),
    (LinearRegex(), r"^https?://(www\.)?example\.com/news/\d+$"),
]
KINDS = [kind for kind, _ in GOOD]


def _id(case) -> str:
    kind, text = case
    return f"{type(kind).__name__}:{text[:24]!r}"


@pytest.mark.parametrize("case", GOOD, ids=[_id(c) for c in GOOD])
def test_a_value_written_back_as_text_parses_to_the_same_value(case):
    kind, text = case
    value = kind.parse(text)
    assert kind(text) == value  # a kind is argparse's `type=` too
    assert kind.parse(kind.text(value)) == value, kind.text(value)


@pytest.mark.parametrize("kind", KINDS, ids=[_id(c) for c in GOOD])
def test_every_wrong_example_of_a_kind_is_refused_with_what_it_accepts(kind):
    assert kind.accepts and kind.bad_examples
    for bad in kind.bad_examples:
        with pytest.raises(BadValue) as caught:
            kind.parse(bad)
        message = str(caught.value)
        if isinstance(kind, Day):  # the message names tomorrow's date where `accepts` says tomorrow
            assert message.startswith("a date YYYY-MM-DD from 1990-01-01 to "), (bad, message)
        else:
            assert kind.accepts in message, (bad, message)
        assert "\n" not in message


def test_numbers_are_ascii_digits_and_a_point_in_their_range():
    days = Whole(0, 3650, "days")
    assert days.accepts == "a whole number of days from 0 to 3650"
    for text in ("\u0663", "\u00b2", "+3", "3 days", "0x10", "3651"):
        with pytest.raises(BadValue, match="^a whole number of days from 0 to 3650$"):
            days.parse(text)
    share = Number(0.0, 1.0, low_open=True)
    assert share.parse("1") == 1.0 and share.parse("0.001") == 0.001
    with pytest.raises(BadValue, match="more than 0 and at most 1"):
        share.parse("0")
    with pytest.raises(BadValue):
        share.check(float("nan"))  # a number given as one by a library's caller is checked the same
    assert (
        Number(0, 10_000_000).text(1234567.0) == "1234567"
    )  # not 1.23457e+06, which parse refuses


def test_days_run_to_tomorrow_and_a_range_runs_forward():
    today = date.today()
    day = Day(last=lambda: date(2026, 12, 7))
    assert day.parse("2026-12-07") == date(2026, 12, 7)
    with pytest.raises(BadValue, match=r"from 1990-01-01 to 2026-12-07 \(tomorrow, UTC\)"):
        day.parse("2026-12-08")
    with pytest.raises(BadValue):
        Day().parse((today + timedelta(days=3)).isoformat())
    assert AnyDay().parse("2999-01-01") == date(2999, 1, 1)
    day_range(date(2026, 11, 1), date(2026, 11, 1), max_days=1)
    day_range(None, date(2026, 11, 1))
    with pytest.raises(BadValue, match="2026-11-02 is after 2026-11-01; give a range that runs"):
        day_range(date(2026, 11, 2), date(2026, 11, 1))
    with pytest.raises(BadValue, match="more than 7 days; split the range"):
        day_range(date(2026, 11, 1), date(2026, 11, 8), max_days=7)


def test_hosts_are_names_and_a_registrable_one_is_under_a_public_suffix():
    registrable = HostName(registrable=True)
    assert registrable.parse("news.example.xn--wgbh1c") == "news.example.xn--wgbh1c"  # .مصر
    for host in ("example.test", "xn--wgbh1c", "github.io.", "192.168.0.1"):
        with pytest.raises(BadValue, match="under a registrable domain"):
            registrable.parse(host)
    assert HostName().parse("localhost") == "localhost"
    with pytest.raises(BadValue, match=r"^entry 'x/\.\./y': '127.0.0.1:80' is not a JSON object"):
        HostMap().parse('{"x/../y": "127.0.0.1:80"}')
    assert HostMap().parse('{"WWW.X.com": "127.0.0.1:1"}') == {"www.x.com": "127.0.0.1:1"}


def test_a_path_of_a_role_is_refused_by_what_is_there(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    tool = tmp_path / "tool"
    tool.write_text("#!/bin/sh\n")
    os.chmod(tool, 0o755)
    assert PathKind("file").parse(str(tmp_path / "not-yet")) == str(tmp_path / "not-yet")
    assert PathKind("executable").parse(str(tool)) == str(tool)
    cases = [
        (PathKind("file"), str(tmp_path), "the path of a regular file (this is a directory)"),
        (PathKind("file"), "/dev/null", "(this is a device)"),
        (
            PathKind("directory"),
            str(plain),
            "the path of a directory (not a file) (this is a file)",
        ),
        (PathKind("output"), str(tmp_path), "(this is a directory)"),
        (PathKind("executable"), str(plain), "(this is a file that is not executable)"),
        (PathKind("executable"), str(tmp_path / "none"), "(this is not one)"),
        (PathKind("output", suffix=".prom"), str(plain), "ending in .prom (the name does not end"),
        (PathKind(), "", "a path: one line of printable text"),
    ]
    for kind, text, message in cases:
        with pytest.raises(BadValue) as caught:
            kind.parse(text)
        assert message in str(caught.value), (text, str(caught.value))


def test_times_of_day_and_schedules():
    assert TimeOfDay().parse(" OFF ") is None and TimeOfDay().parse("23:59:59") == time(23, 59, 59)
    assert TimeOfDay().text(time(6, 0, 30)) == "06:00:30" and TimeOfDay().text(time(6)) == "06:00"
    assert Cron().parse("0  3 * *  *") == "0 3 * * *" and Cron().text(None) == ""
    assert Cron().parse("@Weekly") == "@weekly"


@pytest.mark.parametrize(
    "expression",
    [
        "0 3 * * *",
        "*/15 * * * *",
        "0 0 1 jan,jul *",
        "30 2 * * mon-fri",
        "0 0-23/2 * * 7",
        "5 4 1-7 * 0",
    ],
)
def test_the_cron_kind_takes_what_airflow_takes(expression):
    from croniter import croniter  # Airflow's own parser (the airflow extra)

    assert Cron().parse(expression) == expression and croniter.is_valid(expression)


def test_lists_archives_and_options_keep_their_parts():
    assert Emails().parse(" a@x.org ,, b@y.org ") == ("a@x.org", "b@y.org")
    assert Names().text(("crawl", "process")) == "crawl,process"
    assert Ages(30).parse(" 1,7 ") == (1, 7)
    assert CollectionUrl().parse("http://127.0.0.1:8090/all/") == "http://127.0.0.1:8090/all"
    assert ArchiveLocation().parse("s3://news-archive") == "s3://news-archive"
    with pytest.raises(BadValue, match="e.g. s3://news-archive/ar"):
        ArchiveLocation().parse("s3://UPPER/x")
    assert PgOptions().parse("-c a=1") == ("-c", "a=1")
    assert LanguageTag().parse("AR-eg") == "ar-EG"


def test_a_pattern_runs_in_linear_time_or_is_refused_with_re2s_reason():
    pattern = LinearRegex().parse(r"^https?://x\.test/\d+$")
    assert linear_match(pattern, "https://x.test/12") and not linear_match(pattern, "x.test/12")
    assert not linear_match("b", "ab")  # from the start, as re.match
    assert linear_match("ال", "الغوطة")  # UTF-8, not bytes of another text
    with pytest.raises(BadValue, match="RE2 says"):
        LinearRegex().parse(r"(a)\1")
    with pytest.raises(BadValue, match="regular expression in RE2 syntax"):
        LinearRegex(max_chars=10).parse("a" * 11)
    # a pattern that backtracks for ever in Python's re takes linear time here
    assert not linear_match("(a+)+$", "a" * 5000 + "!")


def test_a_value_in_a_message_is_quoted_and_cut():
    assert shown("x") == "'x'"
    assert shown("y" * 100) == repr("y" * 60 + "…")
    assert shown("two\nlines") == "'two\\nlines'"
