"""`newsarchive replay [--port P]`: serve the archive through pywb until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import NewsArchiveError
from newsarchive.cli import args as cli_args
from newsarchive.cli.args import Subcommands, archive_options, settings_of

if TYPE_CHECKING:
    from archive.store import Store
    from newsarchive.replay.server import PywbServer, ReplaySite


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "replay",
        help="serve the archive through pywb on 127.0.0.1 (Wayback URLs, CDX API, Memento)",
    )
    archive_options(p)
    p.add_argument(
        "--port",
        type=cli_args.port,
        default=8090,
        help="0-65535 (default 8090; 0 picks a free port)",
    )
    p.add_argument(
        "--refresh",
        type=cli_args.whole(1, 86_400, "a number of seconds"),
        default=10,
        metavar="SECONDS",
        help="how often new snapshots are looked for and served without a restart (default 10)",
    )
    p.add_argument(
        "--workdir",
        type=cli_args.dest_dir,
        help="where pywb's config, indexes (and an S3 archive's WARCs) go; default a temporary directory",
    )
    p.set_defaults(func=replay)


def replay(args: argparse.Namespace) -> int:
    from archive.store import open_store
    from newsarchive.replay.server import PywbServer, check_port, prepare, pywb_command

    settings = settings_of(args)
    if args.port:
        check_port(args.port)
    pywb_command()  # before any work: say how to install it
    store = open_store(settings.archive, create=False)
    with tempfile.TemporaryDirectory(prefix="newsarchive-replay-") as tmp:
        root = args.workdir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        site = prepare(store, root)
        for why in site.skipped:
            print(f"newsarchive: warning: {why}", file=sys.stderr)
        if not site.collections:
            print(f"no indexed snapshots in {store.url}: nothing to replay", file=sys.stderr)
            return 1
        previous = signal.signal(
            signal.SIGTERM, _interrupt
        )  # `kill` stops pywb too, as Ctrl-C does
        try:
            return _serve(PywbServer(site, args.port), site, store, args.refresh)
        finally:
            signal.signal(signal.SIGTERM, previous)


def _serve(server: PywbServer, site: ReplaySite, store: Store, every_s: int) -> int:
    from newsarchive.replay.server import refresh

    with server:
        print(f"pywb replaying {store.url} on {server.url} (Ctrl-C stops it)")
        for name, count in site.collections.items():
            print(
                f"  {server.url}/{name}/  {count} captures   e.g. {server.url}/{name}/*/<url>   "
                f"CDX: {server.url}/{name}/cdx?url=<url>   TimeMap: {server.url}/{name}/timemap/link/<url>"
            )
        sys.stdout.flush()
        next_look = time.monotonic() + every_s
        try:
            while server.process is not None and server.process.poll() is None:
                time.sleep(min(1.0, every_s))
                if time.monotonic() < next_look:
                    continue
                next_look = time.monotonic() + every_s
                try:
                    new = refresh(store, site)
                except (NewsArchiveError, OSError) as exc:  # the store down a moment: served as is
                    print(f"newsarchive: warning: snapshots not refreshed ({exc})", file=sys.stderr)
                    continue
                for label in new:
                    print(f"  now replaying snapshot {label} too")
                for why in site.skipped if new else ():
                    print(f"newsarchive: warning: {why}", file=sys.stderr)
                sys.stdout.flush()
        except KeyboardInterrupt:
            return 0
        code = server.process.returncode if server.process else "?"
        print(f"newsarchive: error: pywb stopped (code {code}); see {server.log}", file=sys.stderr)
        return 2


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
