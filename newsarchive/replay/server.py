"""`newsarchive replay`: the archive served by pywb on 127.0.0.1, from the snapshots' CDXJ indexes.

Collections: `all` (every capture of every snapshot) and one per snapshot day (`2026-11-21`: every rev of
the day, so rows carried forward replay from the rev whose WARC holds them). Each index line's filename is
rewritten relative to `snapshots/` (`date=D/rev=N/warc/<outlet>.warc.gz`); a day's collection also gets
the original of each of its revisits, wherever that lives (a page requisite's may be days older). Our
WARC `metadata` records are not in the indexes, so they never show as captures; error answers,
redirect hops and robots.txt answers are, with their status.

New snapshots replay without a restart: the collections are pywb's automatic ones
(`collections/<name>/indexes/index.cdxj`, `collections/<name>/archive` a link to the WARCs), which pywb
lists and reads on each request, and `refresh` writes them again (each index replaced whole) when the
archive's complete snapshots are not those the site was prepared from.

pywb pins dependencies that cannot live beside Airflow (redis 2.x), so it runs from its own virtual
environment (`.venv-pywb`, built by `make setup`) as a subprocess in its own process group; it reads a
local archive in place, and an S3 archive's WARCs downloaded first (each checked against its manifest).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from archive import layout
from archive.capture_index import IndexMissing, index_source, read_index_lines
from archive.snapshot import (
    DamagedObject,
    SnapshotRef,
    download_checked,
    list_snapshots,
    load_manifest,
)
from archive.store import LocalStore, Store
from common.errors import ConfigError
from newsarchive.run.crawl import _die_with, crawl_environment

logger = logging.getLogger(__name__)
ALL = "all"
COLLECTIONS = "collections"


@dataclass
class ReplaySite:
    """A pywb directory: config.yaml and one index per collection."""

    root: Path
    collections: dict[str, int] = field(default_factory=dict)  # name -> captures
    skipped: list[str] = field(default_factory=list)  # snapshots left out, and why
    snapshots: tuple[str, ...] = ()  # the complete snapshots it was prepared from


def prepare(store: Store, root: Path) -> ReplaySite:
    """Write pywb's config and the collections' indexes into root (a fresh directory, or one prepared
    before: each index is replaced whole, so a running pywb reads the old one or the new one)."""
    refs = list_snapshots(store)
    site = ReplaySite(root, snapshots=tuple(ref.label for ref in refs))
    if isinstance(store, LocalStore):
        archive_root = store.root / "snapshots"
    else:
        archive_root = root / "snapshots"
    lines: dict[str, list[bytes]] = defaultdict(list)
    originals: dict[bytes, list[bytes]] = defaultdict(list)  # payload digest -> non-revisit lines
    for ref in refs:
        try:
            index = read_index_lines(store, index_source(store, ref))
            if not isinstance(store, LocalStore):
                _download_warcs(store, ref, archive_root)
        except (IndexMissing, DamagedObject) as exc:
            site.skipped.append(str(exc))
            continue
        for decoded in index:
            entry = decoded.fields
            named = f"date={ref.day}/rev={ref.rev}/{entry['filename']}"
            out = replace(decoded, fields={**entry, "filename": named}).to_bytes()
            lines[ALL].append(out)
            lines[ref.day].append(out)
            if entry.get("mime") != "warc/revisit" and entry.get("digest"):
                originals[entry["digest"].encode()].append(out)
    for name in list(lines):
        if name != ALL:  # a revisit replays only where its original is indexed too
            wanted = {
                json.loads(line.split(b" ", 2)[2]).get("digest", "").encode()
                for line in lines[name]
                if b'"warc/revisit"' in line
            }
            lines[name] += [o for digest in wanted for o in originals.get(digest, [])]
    config = [
        "# written by newsarchive replay",
        "framed_replay: false",
        "enable_memento: true",
        "redirect_to_exact: true",
        f"collections_root: {json.dumps(str(root / COLLECTIONS))}",  # listed on each request
    ]
    for name, coll_lines in sorted(lines.items()):
        unique = sorted(set(coll_lines))
        coll = root / COLLECTIONS / name
        (coll / "indexes").mkdir(parents=True, exist_ok=True)
        if not (coll / "archive").is_symlink():
            (coll / "archive").symlink_to(archive_root, target_is_directory=True)
        index_file = coll / "indexes" / "index.cdxj"
        part = index_file.with_suffix(".part")  # not a .cdxj: pywb never reads it half-written
        part.write_bytes(b"".join(line + b"\n" for line in unique))
        os.replace(part, index_file)
        site.collections[name] = len(unique)
    (root / "config.yaml").write_text("\n".join(config) + "\n")
    return site


def refresh(store: Store, site: ReplaySite) -> list[str]:
    """Prepare `site` again if the archive's complete snapshots changed; the snapshots new to it."""
    labels = tuple(ref.label for ref in list_snapshots(store))
    if labels == site.snapshots:
        return []
    fresh = prepare(store, site.root)
    new = [label for label in fresh.snapshots if label not in site.snapshots]
    site.collections, site.skipped, site.snapshots = (
        fresh.collections,
        fresh.skipped,
        fresh.snapshots,
    )
    return new


def _download_warcs(store: Store, ref: SnapshotRef, archive_root: Path) -> None:
    for entry in load_manifest(store, ref).files:
        if entry.key.endswith(".warc.gz"):
            local = archive_root / entry.key.removeprefix(f"{layout.SNAPSHOTS}/")
            if not local.exists():
                local.parent.mkdir(parents=True, exist_ok=True)
                download_checked(store, entry, local)


def pywb_command() -> Path:
    """pywb's `wayback`: $NEWSARCHIVE_PYWB, else .venv-pywb beside this checkout's .venv, else on PATH."""
    from newsarchive.variables import environment

    configured = environment()["NEWSARCHIVE_PYWB"]  # checked: an executable program
    candidates = [Path(configured)] if configured else []
    candidates.append(Path(sys.prefix).parent / ".venv-pywb" / "bin" / "wayback")
    if found := shutil.which("wayback"):
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise ConfigError(
        "pywb is not installed: run `make setup` (it builds .venv-pywb), or set NEWSARCHIVE_PYWB "
        "to pywb's `wayback` command"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def check_port(port: int) -> None:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            raise ConfigError(
                f"--port {port}: the port is in use on 127.0.0.1; give another (0 picks a free one)"
            ) from None


class PywbServer:
    """pywb serving a prepared site on 127.0.0.1:port until stopped (a context manager)."""

    def __init__(self, site: ReplaySite, port: int = 0, *, log: Path | None = None) -> None:
        self.site = site
        self.port = port or free_port()
        self.log = log or site.root / "pywb.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> PywbServer:
        check_port(self.port)
        # pywb reads local files only: no credentials; it dies with this process (PR_SET_PDEATHSIG)
        env = crawl_environment(os.environ)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(pywb_command()),
                    "-p",
                    str(self.port),
                    "-b",
                    "127.0.0.1",
                    "-d",
                    str(self.site.root),
                ],
                cwd=self.site.root,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                preexec_fn=_die_with(os.getpid()),
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ConfigError(
                    f"pywb exited with code {self.process.returncode}; see {self.log}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise ConfigError(
            f"pywb did not start listening on {self.url} within {timeout_s:.0f} s; see {self.log}"
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> PywbServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
