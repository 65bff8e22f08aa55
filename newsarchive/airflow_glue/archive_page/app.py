"""The FastAPI app behind the Archive page, mounted by the Airflow plugin at /newsarchive.

The health is read from the archive (NEWSARCHIVE_ARCHIVE) at most once per CACHE_SECONDS: the listing of
the snapshots and the live records of the runs going on, so a failing try shows within seconds. A
snapshot's manifest and verify result are kept for as long as the process lives (a published snapshot
never changes).
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from archive.records import Manifest
from archive.snapshot import SnapshotRef, load_manifest
from archive.store import Store, open_store
from common.errors import NewsArchiveError, StoreError
from newsarchive.airflow_glue.archive_page.health import (
    ArchiveHealth,
    collect,
    empty,
    verify_problems,
)
from newsarchive.airflow_glue.archive_page.render import render
from newsarchive.airflow_glue.conn import CONN_ENV, s3_env_in_server
from newsarchive.config import Settings

CACHE_SECONDS = 5
MANIFESTS_KEPT = 400  # manifests kept in memory (a published snapshot's never changes)
REACHABILITY_ENV = (
    "NEWSARCHIVE_REACHABILITY_FILE"  # written by scripts/airflow.sh (newsarchive.ops.reachability)
)

app = FastAPI(title="newsarchive: Archive", docs_url=None, redoc_url=None, openapi_url=None)
_lock = threading.Lock()
_cached: dict[str, tuple[float, ArchiveHealth]] = {}
_verified: dict[tuple[str, str], tuple[str, ...]] = {}
_manifests: dict[tuple[str, str], Manifest] = {}


def _verify_once(store: Store, ref: SnapshotRef) -> tuple[str, ...]:
    key = (store.url, ref.label)
    if key not in _verified:
        _verified[key] = verify_problems(store, ref)
    return _verified[key]


def _manifest_once(store: Store, ref: SnapshotRef) -> Manifest:
    key = (store.url, ref.label)
    if key not in _manifests:
        if len(_manifests) >= MANIFESTS_KEPT:
            _manifests.pop(next(iter(_manifests)))
        _manifests[key] = load_manifest(store, ref)
    return _manifests[key]


def _active(settings: Settings) -> list[str]:
    """The outlets crawled daily (the registry's active ones): only they can be stale."""
    from outlets.registry import load_registry

    return load_registry(settings.outlets_path).active_ids


def _s3_settings(archive: str) -> dict[str, str] | None:
    """An S3 archive's credentials from the Airflow connection the workers use (NEWSARCHIVE_AWS_CONN_ID,
    `make cluster`), for the page's store only; else the process's own environment."""
    conn_id = os.environ.get(CONN_ENV)
    if not archive.startswith("s3://") or not conn_id:
        return None
    try:
        return s3_env_in_server(conn_id)
    except (
        Exception
    ) as exc:  # AirflowNotFoundException, a secrets backend's error: the page names it
        raise StoreError(
            f"cannot read the Airflow connection {conn_id!r} ({CONN_ENV}) for {archive}: "
            f"{type(exc).__name__}: {exc}"
        ) from None


def health() -> ArchiveHealth:
    settings = Settings.from_env()
    archive = settings.archive
    with _lock:
        hit = _cached.get(archive)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        if not archive.startswith("s3://") and not Path(archive).exists():  # before the first run
            result = empty(archive)
        else:
            result = collect(
                open_store(archive, create=False, s3_settings=_s3_settings(archive)),
                verifier=_verify_once,
                reader=_manifest_once,
                active=_active(settings),
                stale_days=settings.stale_days,
                deadline=settings.deadline,
            )
        _cached[archive] = (time.monotonic(), result)
        return result


def notices() -> tuple[str, ...]:
    """What the start script found out about this machine (the outlets unreachable: use the replica)."""
    path = os.environ.get(REACHABILITY_ENV)
    if not path or not Path(path).is_file():
        return ()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    return (str(data["message"]),) if data.get("message") else ()


def changes(found: ArchiveHealth) -> str:
    """The changes panel over the page's window of days (empty before the first snapshot)."""
    from datetime import date

    from newsarchive.airflow_glue.archive_page.changes_panel import panel
    from newsarchive.research.changes import per_day

    archive = Settings.from_env().archive
    if not found.days or (not archive.startswith("s3://") and not Path(archive).exists()):
        return ""
    store = open_store(archive, create=False, s3_settings=_s3_settings(archive))
    since, until = date.fromisoformat(found.days[0]), date.fromisoformat(found.days[-1])
    return panel(per_day(store, since, until, warn=lambda line: None))


@app.get("/", response_class=HTMLResponse)
def page() -> HTMLResponse:
    try:
        found = health()
        return HTMLResponse(render(found, notices=notices(), changes=changes(found)))
    except NewsArchiveError as exc:
        body = (
            f"<!DOCTYPE html><html><body><h1>Archive</h1><p class='error'>{_escape(str(exc))}</p>"
            + "".join(f"<p class='notice'>{_escape(n)}</p>" for n in notices())
            + "</body></html>"
        )
        return HTMLResponse(body, status_code=503)


@app.get("/story/{story_id}", response_class=HTMLResponse)
def story(story_id: str) -> HTMLResponse:
    """A story's history with its word-level diffs (linked from the changes panel)."""
    from newsarchive.research.history import STORY_ID, story_history
    from newsarchive.research.history_render import html_document

    if not STORY_ID.fullmatch(story_id):
        return HTMLResponse("<p>a story id is 16 hex digits</p>", status_code=404)
    try:
        archive = Settings.from_env().archive
        store = open_store(archive, create=False, s3_settings=_s3_settings(archive))
        return HTMLResponse(html_document(story_history(store, story_id, lambda line: None)))
    except NewsArchiveError as exc:
        return HTMLResponse(f"<p>{_escape(str(exc))}</p>", status_code=404)


@app.get("/health.json")
def health_json() -> JSONResponse:
    try:
        return JSONResponse(asdict(health()))
    except NewsArchiveError as exc:
        return JSONResponse({"error": str(exc)}, status_code=503)


def _escape(text: str) -> str:
    from html import escape

    return escape(text)
