"""The pipeline's stages as plain functions: the CLI and the Airflow tasks call these same ones.

Stages share nothing but the archive store: each reads and writes under the staging prefix of the
run's logical date (archive/layout.py), so any worker can run any stage, and rerunning a stage
rewrites its own staging objects only.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

from archive import layout
from archive.dedup_index import load_window, write_segment
from archive.snapshot import SnapshotRef, publish_snapshot, read_manifest, resolve_snapshot
from archive.store import ObjectNotFound, Store, open_store
from archive.warc import append_article_links, iter_responses
from dedup.engine import Deduplicator, Document
from extract.engine import ArticleExtractor, OutletContext
from extract.models import ExtractionError
from newsarchive import __version__, quality
from newsarchive.config import Settings
from newsarchive.crawl import run_crawl
from newsarchive.crawl_state import commit_crawl_run, load_crawl_state
from newsarchive.errors import NewsArchiveError
from newsarchive.registry import Outlet, Registry, load_registry
from spiders.state import CrawlRun
from spiders.warc import capture_paths

logger = logging.getLogger(__name__)


class NothingToPublish(NewsArchiveError):
    pass


def _keys(day: date, outlet: str) -> dict[str, str]:
    base = layout.staging_prefix(day)
    return {
        "warc": f"{base}crawl/{outlet}.warc.gz",
        "crawl": f"{base}crawl/{outlet}.crawl.json",
        "crawl_run": f"{base}crawl/{outlet}.state.json",
        "articles": f"{base}extract/{outlet}.jsonl",
        "extract": f"{base}extract/{outlet}.extract.json",
        "dedup": f"{base}dedup/articles.jsonl",
        "dedup_report": f"{base}dedup/dedup.json",
        "dedup_index": f"{base}dedup/index.npz",
    }


def _put_json(store: Store, key: str, value: object) -> None:
    store.put_bytes(key, json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8"), overwrite=True)


def _get_json(store: Store, key: str) -> dict:
    return json.loads(store.get_bytes(key))


def context_for(outlet: Outlet) -> OutletContext:
    return OutletContext(outlet=outlet.id, timezone=outlet.timezone, language=outlet.language, rules=outlet.cleanup)


def crawl_stage(settings: Settings, outlet_id: str, day: date) -> dict:
    """Crawl one outlet, incrementally from its state in the archive; WARC, coverage report and what the
    crawl learnt go to staging (the state itself changes only when the snapshot is published)."""
    registry = load_registry(settings.outlets_path)
    store = open_store(settings.archive)
    keys = _keys(day, outlet_id)
    with tempfile.TemporaryDirectory(prefix=f"newsarchive-crawl-{outlet_id}-") as tmp:
        state_file = None
        if not settings.refetch:
            state_file = Path(tmp) / "state.json.gz"
            state_file.write_bytes(load_crawl_state(store, outlet_id).to_bytes())
        out = Path(tmp) / "out"
        report = run_crawl(settings, registry, outlet_id, out, state_file, day)
        files = capture_paths(out, outlet_id)
        store.put_file(keys["warc"], files.warc, overwrite=True)
        store.put_file(keys["crawl_run"], files.state, overwrite=True)
    _put_json(store, keys["crawl"], report)
    return report


def extract_stage(settings: Settings, outlet_id: str, day: date) -> dict:
    """Extract every captured article page of one outlet; errors are counted by reason."""
    outlet = load_registry(settings.outlets_path).get(outlet_id)
    store = open_store(settings.archive)
    keys = _keys(day, outlet_id)
    extractor = ArticleExtractor(context_for(outlet))
    errors: Counter[str] = Counter()
    articles = []
    with tempfile.TemporaryDirectory(prefix=f"newsarchive-extract-{outlet_id}-") as tmp:
        warc = Path(tmp) / "captures.warc.gz"
        store.download(keys["warc"], warc)
        for capture in iter_responses(warc):
            if capture.status != 200:
                errors[f"http_{capture.status}"] += 1
                continue
            try:
                article = extractor.extract(capture.body, capture.url, capture.content_type)
            except ExtractionError as exc:
                errors[exc.reason] += 1
                logger.info("%s: no article in %s: %s", outlet_id, capture.url, exc)
                continue
            articles.append({**article.to_dict(), "capture_id": capture.record_id, "fetched_at": capture.fetched_at})
    body = "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles)
    store.put_bytes(keys["articles"], body.encode("utf-8"), overwrite=True)
    report = {"outlet": outlet_id, "extracted": len(articles), "extract_failed": dict(errors)}
    _put_json(store, keys["extract"], report)
    return report


def _read_jsonl(store: Store, key: str) -> list[dict]:
    return [json.loads(line) for line in store.get_bytes(key).decode("utf-8").splitlines() if line]


def dedup_stage(settings: Settings, day: date, outlet_ids: list[str]) -> dict:
    """Deduplicate the run's articles against each other and the archived window (dedup/engine.py).

    Nothing is dropped: every article keeps its row, marked with duplicate_of / revision_of / reason /
    similarity. The run's index segment goes to staging and is published inside the snapshot."""
    store = open_store(settings.archive)
    index, window = load_window(store, day, settings.dedup_window_days)
    rows = []
    for outlet_id in outlet_ids:
        try:
            rows += _read_jsonl(store, _keys(day, outlet_id)["articles"])
        except ObjectNotFound:
            continue  # the outlet's crawl or extraction failed; publish records the gap
    rows.sort(key=lambda r: (r.get("fetched_at") or "", r["outlet"], r["url"]))  # first seen, first kept
    history = len(index)
    deduplicator = Deduplicator(index, threshold=settings.dedup_threshold)
    documents = (Document(r["id"], r["text"], r["url"], r.get("canonical_url")) for r in rows)
    duplicates: Counter[str] = Counter()
    revisions: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for row, decision in zip(rows, deduplicator.run(documents), strict=True):
        row.update(duplicate_of=decision.duplicate_of, revision_of=decision.revision_of,
                   reason=decision.reason, similarity=decision.similarity)
        if decision.duplicate_of:
            duplicates[row["outlet"]] += 1
        if decision.revision_of:
            revisions[row["outlet"]] += 1
        if decision.reason:
            reasons[decision.reason] += 1
    keys = _keys(day, "-")
    store.put_bytes(keys["dedup"], "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode(),
                    overwrite=True)
    with tempfile.TemporaryDirectory(prefix="newsarchive-dedup-") as tmp:
        segment = Path(tmp) / "index.npz"
        write_segment(deduplicator.index.segment(history), segment)
        store.put_file(keys["dedup_index"], segment, overwrite=True)
    report = {"articles": len(rows), "duplicates": dict(duplicates), "revisions": dict(revisions),
              "reasons": dict(reasons), "window": window, "window_articles": history}
    _put_json(store, keys["dedup_report"], report)
    return report


def publish_stage(settings: Settings, day: date, outlet_ids: list[str], run_id: str = "cli") -> dict:
    """Publish the run's snapshot from staging; the manifest records every outlet, gaps included."""
    registry = load_registry(settings.outlets_path)
    store = open_store(settings.archive)
    keys = _keys(day, "-")
    articles = _read_jsonl(store, keys["dedup"])
    dedup_report = _get_json(store, keys["dedup_report"])
    duplicates, revisions = dedup_report["duplicates"], dedup_report.get("revisions", {})
    outlets: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="newsarchive-stage-") as tmp:
        warcs = {}
        for outlet_id in outlet_ids:
            k = _keys(day, outlet_id)
            entry = outlets[outlet_id] = {}
            try:
                entry.update(_get_json(store, k["crawl"]))
                warcs[outlet_id] = Path(tmp) / f"{outlet_id}.warc.gz"
                store.download(k["warc"], warcs[outlet_id])
                entry.update(_get_json(store, k["extract"]))
            except ObjectNotFound as exc:
                entry["gap"] = f"no {exc.key.rsplit('/', 1)[-1]} in staging: the outlet's crawl or extraction failed"
                warcs.pop(outlet_id, None)
            entry["duplicates"] = duplicates.get(outlet_id, 0)
            entry["revisions"] = revisions.get(outlet_id, 0)
            langs = Counter(a["language"] for a in articles if a["outlet"] == outlet_id)
            entry["languages"] = dict(langs)
            entry["archived"] = sum(langs.values())
            entry["new"] = entry["archived"] - entry["duplicates"]
        for outlet_id, path in warcs.items():
            append_article_links(path, [
                {"url": a["url"], "capture_id": a["capture_id"], "article_id": a["id"],
                 "canonical_url": a["canonical_url"]}
                for a in articles if a["outlet"] == outlet_id and a.get("capture_id")
            ])
        if all("gap" in entry for entry in outlets.values()):
            raise NothingToPublish(f"nothing to publish for {day}: every outlet's crawl or extraction failed")
        counts = {"outlets": outlets, "archived": len(articles),
                  "duplicates": sum(duplicates.values()), "dedup_reasons": dedup_report.get("reasons", {}),
                  "dedup_window": dedup_report.get("window", [])}
        rules = settings.quality_rules
        counts["quality"] = quality.quality_figures(registry, outlets, articles,
                                                    quality.recent_yields(store, day, rules.history_days), rules)
        index_file = Path(tmp) / "dedup-index.npz"
        store.download(keys["dedup_index"], index_file)
        run = {"run_id": run_id, "software": f"newsarchive {__version__}", "config_hash": config_hash(registry)}
        ref, manifest = publish_snapshot(store, day, articles, warcs, counts=counts, run=run,
                                         extra={layout.dedup_index_key(""): index_file})
    commit_crawl_runs(store, day, [o for o, entry in outlets.items() if "gap" not in entry])
    return {"snapshot": ref.label, "prefix": ref.prefix, "store": store.url, "counts": counts}


def quality_stage(settings: Settings, day: date, snapshot: str | None = None) -> str:
    """The canary over a published snapshot (default: the day's newest): a verdict line, or
    QualityCheckFailed naming every problem. The figures are in the manifest's counts.quality."""
    store = open_store(settings.archive)
    ref = SnapshotRef.from_label(snapshot) if snapshot else resolve_snapshot(store, day.isoformat())
    return quality.check(read_manifest(store, ref)["counts"]["quality"], ref.label)


def commit_crawl_runs(store: Store, day: date, outlet_ids: list[str]) -> None:
    """After the snapshot is complete: what each crawl fetched is now archived, so mark it seen."""
    for outlet_id in outlet_ids:
        try:
            run = CrawlRun.from_bytes(store.get_bytes(_keys(day, outlet_id)["crawl_run"]))
        except ObjectNotFound:
            continue
        state = commit_crawl_run(store, run)
        logger.info("%s: crawl state now has %d seen, %d pending", outlet_id, len(state.seen), len(state.pending))


def config_hash(registry: Registry) -> str:
    import hashlib

    return hashlib.sha256(registry.path.read_bytes()).hexdigest()[:16]

