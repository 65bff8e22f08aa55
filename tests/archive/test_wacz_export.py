"""`snapshots get D --format wacz`: one WACZ per outlet that py-wacz's `wacz validate` accepts."""

import json
import zipfile
from dataclasses import replace
from datetime import date

from wacz.main import main as wacz_main

from archive.records import ArchivedRow
from archive.snapshot import publish_snapshot
from archive.store import open_store
from archive.wacz_export import export_wacz
from tests.archive.warcs import Page, page_html, row, write_warc

DAY = date(2026, 11, 21)
URL = "https://www.enabbaladi.net/archives/215637"


def _rid(n):
    return f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"


def _snapshot(store, tmp_path):
    """rev 1 with one enabbaladi and one orient article; rev 2 recaptures orient and carries enabbaladi."""
    a = Page(
        URL,
        _rid(1),
        "2026-11-21T03:00:00Z",
        page_html("حلب تستعيد أسواقها", "عاد الباعة إلى السوق"),
    )
    b = Page(
        "https://www.orient-news.net/ar/news_show/1",
        _rid(2),
        "2026-11-21T03:00:01Z",
        page_html("دمشق", "نص"),
    )
    publish_snapshot(
        store,
        DAY,
        [row(1, a, "enabbaladi", text="عاد الباعة إلى السوق"), row(2, b, "orient")],
        {
            "enabbaladi": write_warc(tmp_path / "e1.warc.gz", [a], {_rid(1): "id0001"}),
            "orient": write_warc(tmp_path / "o1.warc.gz", [b], {_rid(2): "id0002"}),
        },
        run_id="one",
    )
    c = Page(
        "https://www.orient-news.net/ar/news_show/1",
        _rid(3),
        "2026-11-21T09:00:00Z",
        page_html("دمشق", "نص ٢"),
    )
    carried = replace(
        ArchivedRow.from_dict(row(1, a, "enabbaladi", text="عاد الباعة إلى السوق")),
        carried_from="2026-11-21 rev 1",
    )
    return publish_snapshot(
        store,
        DAY,
        [carried, row(3, c, "orient")],
        {"orient": write_warc(tmp_path / "o2.warc.gz", [c], {_rid(3): "id0003"})},
        run_id="two",
    )


def test_one_valid_wacz_per_outlet_with_pages_and_carried_captures(archive_url, tmp_path):
    store = open_store(archive_url)
    ref, _ = _snapshot(store, tmp_path)
    written = {w.outlet: w for w in export_wacz(store, ref, tmp_path / "out")}
    assert sorted(written) == ["enabbaladi", "orient"]
    for w in written.values():
        assert wacz_main(["validate", "-f", str(w.path)]) == 0
    with zipfile.ZipFile(written["enabbaladi"].path) as z:
        names = z.namelist()
        # the carried row's capture lives in rev 1's WARC: that WARC is packaged
        assert "archive/enabbaladi-2026-11-21-rev1.warc.gz" in names
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").splitlines()]
        assert pages[0]["format"] == "json-pages-1.0" and pages[0]["hasText"] is True
        assert [(p["id"], p["url"], p["ts"], p["title"], p["text"]) for p in pages[1:]] == [
            ("id0001", URL, "2026-11-21T03:00:00Z", "عنوان", "عاد الباعة إلى السوق")
        ]
        index = z.read("indexes/index.cdxj").splitlines()
        entry = json.loads(index[0].split(b" ", 2)[2])
        assert (
            entry["filename"] == "enabbaladi-2026-11-21-rev1.warc.gz"
            and entry["article"] == "id0001"
        )
        offset, length = int(entry["offset"]), int(entry["length"])
        import gzip

        record = gzip.decompress(z.read("archive/" + entry["filename"])[offset : offset + length])
        assert _rid(1).encode() in record
    with zipfile.ZipFile(written["orient"].path) as z:
        assert sorted(n for n in z.namelist() if n.startswith("archive/")) == [
            "archive/orient-2026-11-21-rev2.warc.gz"
        ]
        assert [json.loads(p)["id"] for p in z.read("pages/pages.jsonl").splitlines()[1:]] == [
            "id0003"
        ]


def test_validate_catches_a_tampered_wacz(tmp_path):
    store = open_store(tmp_path / "archive")
    ref, _ = _snapshot(store, tmp_path)
    (good,) = export_wacz(store, ref, tmp_path / "out", outlet="orient")
    bad = tmp_path / "bad.wacz"
    with zipfile.ZipFile(good.path) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(
                info,
                data.replace("عنوان".encode(), "عنوان٢".encode())
                if info.filename.startswith("pages/")
                else data,
            )
    assert wacz_main(["validate", "-f", str(bad)]) == 1


def test_a_revisit_of_a_file_archived_on_an_earlier_day_comes_with_that_days_warc(tmp_path):
    """A stylesheet stored once across days: the next day's capture is a revisit whose original is in
    the first day's WARC, which the WACZ then carries too, so it replays on its own."""
    store = open_store(tmp_path / "archive")
    css = "https://www.enabbaladi.net/wp-content/themes/enab/style.css"
    body = b"body { background: #f7f4ee }"
    day1, day2 = date(2026, 11, 20), DAY
    first = Page(css, _rid(10), "2026-11-20T03:00:00Z", body)
    page = Page(URL, _rid(11), "2026-11-21T03:00:00Z", page_html("حلب", "نص"))
    again = Page(css, _rid(12), "2026-11-21T03:00:01Z", body, revisit_of=(css, first.fetched_at))
    publish_snapshot(store, day1, [], {"enabbaladi": write_warc(tmp_path / "1.warc.gz", [first])})
    ref, _ = publish_snapshot(
        store,
        day2,
        [row(11, page, "enabbaladi")],
        {"enabbaladi": write_warc(tmp_path / "2.warc.gz", [page, again], {_rid(11): "id0011"})},
    )
    (wacz,) = export_wacz(store, ref, tmp_path / "out")
    assert wacz.warcs == 2 and wacz.captures == 3
    with zipfile.ZipFile(wacz.path) as z:
        names = sorted(n for n in z.namelist() if n.startswith("archive/"))
        index = [
            json.loads(line.split(b" ", 2)[2]) for line in z.read("indexes/index.cdxj").splitlines()
        ]
    assert names == [
        "archive/enabbaladi-2026-11-20-rev1.warc.gz",
        "archive/enabbaladi-2026-11-21-rev1.warc.gz",
    ]
    original = next(e for e in index if e["mime"] != "warc/revisit" and e["url"] == css)
    assert original["filename"] == "enabbaladi-2026-11-20-rev1.warc.gz"
    assert wacz_main(["validate", "-f", str(wacz.path)]) == 0
