"""The demo path: replica → Scrapy → extraction → dated snapshot, checked as an archivist would."""

import json
import subprocess
import sys

import pytest

from archive.snapshot import (
    list_snapshots,
    read_articles,
    read_manifest,
    resolve_snapshot,
)
from archive.store import open_store
from archive.verify import verify_snapshot
from replica.catalog import Catalog, furniture_lines
from tests.conftest import FURNITURE_LINE, RUN_DAY, normalise_ws

pytestmark = pytest.mark.slow  # pipeline runs


def test_snapshot_has_every_outlet_and_the_five_seed_stories(demo_run):
    settings, result = demo_run
    assert result.failures == {}
    store = open_store(settings.archive)
    ref = resolve_snapshot(store, RUN_DAY.isoformat())
    table = read_articles(store, ref)
    assert sorted(set(table.column("outlet").to_pylist())) == [
        "anapress",
        "enabbaladi",
        "euronews",
        "orient",
        "zamanalwsl",
    ]
    assert table.num_rows == 100
    titles = set(table.column("title").to_pylist())
    for seed in (a for a in Catalog(per_outlet=1).all()):
        assert seed.title in titles, f"seed story {seed.seed} missing"
    assert set(table.column("language").to_pylist()) == {"ar"}


def test_no_archived_text_contains_furniture(demo_run):
    settings, _ = demo_run
    store = open_store(settings.archive)
    table = read_articles(store, resolve_snapshot(store, RUN_DAY.isoformat()))
    catalog = Catalog(per_outlet=20)
    by_title = {a.title: a for a in catalog.all()}
    for row in table.to_pylist():
        lines = [normalise_ws(x) for x in row["text"].split("\n")]
        assert not [x for x in lines if FURNITURE_LINE.match(x)], row["url"]
        source = by_title[row["title"]]
        furniture = {normalise_ws(x) for x in furniture_lines(catalog, source)}
        assert not furniture.intersection(lines), row["url"]
        assert all(normalise_ws(x) in lines for x in source.story_lines), row["url"]


def test_manifest_counts_files_and_fixity(demo_run):
    settings, _ = demo_run
    store = open_store(settings.archive)
    ref = resolve_snapshot(store, RUN_DAY.isoformat())
    manifest = read_manifest(store, ref)
    for outlet, counts in manifest["counts"]["outlets"].items():
        assert (
            counts["discovered"]
            == counts["fetched"]
            == counts["extracted"]
            == counts["archived"]
            == 20
        ), outlet
        assert counts["failed"] == {} and counts["languages"] == {"ar": 20}
    keys = [f["key"] for f in manifest["files"]]
    assert sum(k.endswith(".warc.gz") for k in keys) == 5
    assert f"{ref.prefix}articles/outlet=orient/lang=ar/part-0000.parquet" in keys
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in manifest["files"])
    assert verify_snapshot(store, ref) == []


def test_a_corrupted_file_is_named_by_verify(demo_run, tmp_path):
    import shutil

    settings, _ = demo_run
    copy = tmp_path / "copy"
    shutil.copytree(settings.archive, copy)
    store = open_store(copy)
    ref = resolve_snapshot(store, RUN_DAY.isoformat())
    victim = next(
        f["key"]
        for f in read_manifest(store, ref)["files"]
        if f["key"].endswith("euronews.warc.gz")
    )
    with open(copy / victim, "r+b") as fh:
        fh.seek(100)
        fh.write(b"XXXX")
    problems = verify_snapshot(store, ref)
    assert len(problems) == 1 and victim in problems[0]
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "newsarchive.cli.main",
            "snapshots",
            "--archive",
            str(copy),
            "verify",
            RUN_DAY.isoformat(),
        ],
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 1 and victim in cli.stderr


def test_rerun_publishes_a_new_rev_and_keeps_the_first(replica_settings):
    from newsarchive.run.pipeline import run_pipeline

    first = run_pipeline(replica_settings, RUN_DAY, ["zamanalwsl"])
    second = run_pipeline(replica_settings, RUN_DAY, ["zamanalwsl"])
    assert (first.snapshot, second.snapshot) == ("2026-11-21 rev 1", "2026-11-21 rev 2")
    store = open_store(replica_settings.archive)
    assert [r.rev for r in list_snapshots(store)] == [1, 2]
    assert resolve_snapshot(store, "2026-11-21").rev == 2
    assert verify_snapshot(store, resolve_snapshot(store, "2026-11-21", 1)) == []


def test_snapshot_without_success_marker_does_not_exist_for_readers(replica_settings):
    from newsarchive.run.pipeline import run_pipeline

    run_pipeline(replica_settings, RUN_DAY, ["orient"])
    store = open_store(replica_settings.archive)
    ref = resolve_snapshot(store, RUN_DAY.isoformat())
    (open_store(replica_settings.archive).root / ref.prefix / "_SUCCESS").unlink()
    assert list_snapshots(store) == []


def _cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "newsarchive.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
    )


def test_cli_bad_inputs_have_clear_messages(tmp_path):
    """(`newsarchive run`'s: tests/newsarchive/cli/test_pipeline.py)"""
    r = _cli("snapshots", "--archive", str(tmp_path / "nowhere"), "show", "2026-01-01")
    assert r.returncode == 2 and "nowhere does not exist" in r.stderr  # never a new empty archive
    assert not (tmp_path / "nowhere").exists()
    (tmp_path / "empty").mkdir()
    r = _cli("snapshots", "--archive", str(tmp_path / "empty"), "show", "2026-01-01")
    assert r.returncode == 2 and "no complete snapshots" in r.stderr


def test_unknown_date_lists_the_nearest(demo_run):
    settings, _ = demo_run
    r = _cli("snapshots", "--archive", settings.archive, "show", "2026-11-25")
    assert r.returncode == 2 and "nearest dates: 2026-11-21" in r.stderr
    r = _cli("snapshots", "--archive", settings.archive, "show", "2026-11-21", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["snapshot"] == {
        "date": "2026-11-21",
        "rev": 1,
    }


def test_pipeline_publishes_to_s3(s3_server, replica):
    from newsarchive.config import Settings
    from newsarchive.run.pipeline import run_pipeline

    settings = Settings(archive="s3://archive/pipeline", host_map=replica.host_map)
    result = run_pipeline(settings, RUN_DAY, ["euronews", "zamanalwsl"])
    assert result.manifest.archived == 40 and result.failures == {}
    store = open_store(settings.archive)
    ref = resolve_snapshot(store, RUN_DAY.isoformat())
    assert verify_snapshot(store, ref) == []
    assert read_articles(store, ref).num_rows == 40


def test_each_archived_article_is_linked_to_its_capture_in_the_warc(demo_run, tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    settings, _ = demo_run
    store = open_store(settings.archive)
    ref = resolve_snapshot(store, RUN_DAY.isoformat())
    articles = {
        r["id"]: r for r in read_articles(store, ref).to_pylist() if r["outlet"] == "anapress"
    }
    local = tmp_path / "anapress.warc.gz"
    store.download(f"{ref.prefix}warc/anapress.warc.gz", local)
    responses, links = {}, {}
    with local.open("rb") as fh:
        for record in ArchiveIterator(fh):
            rid = record.rec_headers.get_header("WARC-Record-ID")
            if record.rec_type == "response":
                responses[rid] = record.rec_headers.get_header("WARC-Target-URI")
            elif (
                record.rec_type == "metadata"
                and record.rec_headers.get_header("Content-Type") == "application/json"
            ):
                links[record.rec_headers.get_header("WARC-Refers-To")] = json.loads(
                    record.content_stream().read()
                )
    # the WARC also holds robots.txt, the feed and section pages, and provenance metadata (application/warc-fields)
    assert (
        len({rid for rid, url in responses.items() if url in {a["url"] for a in articles.values()}})
        == 20
    )
    assert len(links) == 20
    for capture_id, link in links.items():
        article = articles[link["article_id"]]
        assert article["capture_id"] == capture_id and responses[capture_id] == article["url"]


def test_the_snapshots_index_from_the_crawls_sidecars_is_the_one_read_from_its_warcs(
    demo_run, tmp_path
):
    """Publish made the CDXJ from the lines each crawl wrote with its WARC (staged beside it), not by
    reading the WARCs again: byte for byte the index cdxj-indexer makes of the published WARCs."""
    from archive import layout
    from archive.cdxj import write_index
    from archive.snapshot import load_manifest, read_rows

    settings, _ = demo_run
    store = open_store(settings.archive)
    ref = resolve_snapshot(store, RUN_DAY.isoformat())
    manifest = load_manifest(store, ref)
    warcs = {}
    for outlet in ("anapress", "enabbaladi", "euronews", "orient", "zamanalwsl"):
        local = tmp_path / outlet / "w.warc.gz"  # no sidecar beside it: read
        local.parent.mkdir()
        store.download(layout.warc_key(ref.prefix, outlet), local)
        warcs[layout.warc_key("", outlet)] = local
    again = tmp_path / "again.cdxj"
    write_index(warcs, read_rows(store, manifest), again)
    published = store.get_bytes(layout.cdxj_index_key(ref.prefix))
    assert published == again.read_bytes() and published.count(b"\n") >= 100
    staged = [o.key for o in store.list(layout.STAGING + "/") if o.key.endswith(".cdxj")]
    assert staged == []  # the sidecars went with the run's staging


def test_next_day_is_checked_against_the_archived_window(demo_run, tmp_path):
    """Day 2 recaptures orient (refetch: the crawl ignores what it already archived): every article is
    recorded as a duplicate of day 1's, none dropped, and the researcher's default export leaves them out."""
    import shutil
    from datetime import timedelta

    from archive.layout import dedup_index_key
    from archive.readers import load_articles
    from newsarchive.run.pipeline import run_pipeline

    settings, _ = demo_run
    archive = tmp_path / "archive"
    shutil.copytree(settings.archive, archive)
    settings = settings.with_(archive=str(archive), refetch=True)
    store = open_store(settings.archive)
    day1 = read_articles(store, resolve_snapshot(store, RUN_DAY.isoformat())).to_pylist()
    result = run_pipeline(settings, RUN_DAY + timedelta(days=1), ["orient"])
    assert result.failures == {}
    ref = resolve_snapshot(store, (RUN_DAY + timedelta(days=1)).isoformat())
    manifest = read_manifest(store, ref)
    assert manifest["counts"]["dedup_window"] == [f"{RUN_DAY.isoformat()} rev 1"]
    assert manifest["counts"]["outlets"]["orient"]["duplicates"] == 20
    assert dedup_index_key(ref.prefix) in [f["key"] for f in manifest["files"]]
    assert verify_snapshot(store, ref) == []
    day2 = read_articles(store, ref).to_pylist()
    roots = {row["id"]: row["duplicate_of"] or row["id"] for row in day1}
    by_url = {row["url"]: row for row in day1}
    assert len(day2) == 20
    for row in day2:
        assert row["reason"] == "canonical_url" and row["similarity"] == 1.0
        assert row["duplicate_of"] == roots[by_url[row["url"]]["id"]]
    assert (
        load_articles(store, RUN_DAY + timedelta(days=1), RUN_DAY + timedelta(days=1)).num_rows == 0
    )
    # and with the window set to 0 days, the same recrawl is all originals again
    result = run_pipeline(
        settings.with_(dedup_window_days=0), RUN_DAY + timedelta(days=2), ["orient"]
    )
    ref = resolve_snapshot(store, (RUN_DAY + timedelta(days=2)).isoformat())
    assert read_manifest(store, ref)["counts"]["dedup_window"] == []
    assert [r["duplicate_of"] for r in read_articles(store, ref).to_pylist()] == [None] * 20


def test_seed_stories_are_never_marked_duplicates(demo_run):
    settings, _ = demo_run
    store = open_store(settings.archive)
    rows = read_articles(store, resolve_snapshot(store, RUN_DAY.isoformat())).to_pylist()
    seeds = {a.title for a in Catalog(per_outlet=1).all()}
    assert [r for r in rows if r["title"] in seeds and r["duplicate_of"]] == []
    by_id = {r["id"]: r for r in rows}
    for (
        row
    ) in rows:  # the replica's generated stories reuse seed paragraphs; a copy must really overlap
        if row["duplicate_of"]:
            shared = set(row["text"].split("\n")) & set(
                by_id[row["duplicate_of"]]["text"].split("\n")
            )
            assert row["similarity"] >= 0.5 and len(shared) >= 2, row["url"]


def test_a_run_logs_the_time_of_each_stage_and_of_each_part_of_its_publish(
    replica_settings, caplog
):
    """What bench/bench_run.py prints for a run comes from the run's own log: one TIMING line per stage."""
    import logging

    from common.timing import StageTime
    from newsarchive.run.pipeline import run_pipeline

    with caplog.at_level(logging.INFO, logger="common.timing"):
        run_pipeline(replica_settings, RUN_DAY, ["orient"])
    times = {
        (t.stage, t.subject): t.seconds
        for r in caplog.records
        if (t := StageTime.parse(r.getMessage())) is not None
    }
    parts = ("rows", "warc", "cdxj", "parquet", "upload", "manifest", "current_table")
    parts += ("search_segment", "dataset_card", "commit")
    expected = {("crawl", "orient"), ("extract", "orient"), ("dedup", "run"), ("publish", "run")}
    expected |= {(f"publish.{part}", "run") for part in parts}
    assert set(times) == expected
    publish = times[("publish", "run")]
    assert all(times[(f"publish.{p}", "run")] <= publish for p in parts)
