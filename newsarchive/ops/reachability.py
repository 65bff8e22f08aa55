"""Can this machine reach the outlets? A fast probe (DNS and a TCP connect per host, in parallel, a few
seconds at most), so an offline `make run` says so at once instead of after 15 minutes of retries.

`python -m newsarchive.ops.reachability [--out FILE] [--timeout S]`: one line per host, then a verdict; the
JSON written to FILE holds the same (the Archive page shows its `message`). Exit 0 when every outlet is
reachable, 3 when none is, 4 when some are not. Hosts in NEWSARCHIVE_HOST_MAP are probed at their
mapped address (the replica).
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlsplit

from common.errors import NewsArchiveError
from newsarchive.config import Settings
from outlets.registry import load_registry

REPLICA_HINT = "make stop && make run REPLICA=1"


class HostResult(TypedDict):
    host: str
    port: int
    error: str | None  # None: reachable; else the reason (dns, refused, timeout, ...)


class Reachability(TypedDict):
    """What `check` finds, and the JSON `--out` writes (the Archive page shows its message)."""

    outlets: dict[str, HostResult]
    reachable: int
    unreachable: int
    message: str


def probe(address: tuple[str, int], timeout: float) -> str | None:
    """None when a TCP connection opens; else the reason (dns, refused, timeout, ...)."""
    try:
        with socket.create_connection(address, timeout=timeout):
            return None
    except socket.gaierror:
        return "dns"
    except TimeoutError:
        return "timeout"
    except ConnectionRefusedError:
        return "connection_refused"
    except OSError as exc:
        return f"unreachable ({exc.strerror or exc})"


def outlet_addresses(settings: Settings) -> dict[str, tuple[str, int]]:
    """outlet id -> (host, port) of its first discovery URL (mapped to the replica when the map names it)."""
    out = {}
    for outlet in load_registry(settings.outlets_path).outlets:
        urls = outlet.discovery_urls or tuple(f"https://{d}/" for d in outlet.domains)
        parts = urlsplit(urls[0])
        host = parts.hostname or ""
        if mapped := settings.host_map.get(host):
            address, _, port = mapped.rpartition(":")
            out[outlet.id] = (address, int(port))
        else:
            out[outlet.id] = (host, parts.port or (443 if parts.scheme == "https" else 80))
    return out


def check(settings: Settings, timeout: float = 3.0) -> Reachability:
    addresses = outlet_addresses(settings)
    pool = ThreadPoolExecutor(max(1, len(addresses)))
    futures = {o: pool.submit(probe, a, timeout) for o, a in addresses.items()}
    done, _ = wait(futures.values(), timeout=timeout + 1)  # a DNS lookup has no timeout of its own
    results = {o: f.result() if f in done else "timeout" for o, f in futures.items()}
    pool.shutdown(wait=False, cancel_futures=True)
    failed = {o: r for o, r in results.items() if r}
    if not failed:
        message = ""
    elif len(failed) == len(results):
        causes = ", ".join(f"{o}: {r}" for o, r in sorted(failed.items()))
        message = (
            f"The outlets are unreachable from this machine ({causes}): live runs would fail. "
            f"The news_archive DAG is left paused. For an offline run use the replica: {REPLICA_HINT}"
        )
    else:
        message = "Some outlets are unreachable from this machine: " + ", ".join(
            f"{o}: {r}" for o, r in sorted(failed.items())
        )
    return {
        "outlets": {
            o: {"host": a[0], "port": a[1], "error": results[o]} for o, a in addresses.items()
        },
        "reachable": len(results) - len(failed),
        "unreachable": len(failed),
        "message": message,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsarchive.ops.reachability", description=__doc__
    )
    parser.add_argument("--out", type=Path, help="write the result as JSON here")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds per host (default 3)")
    args = parser.parse_args(argv)
    try:
        result = check(Settings.from_env(), args.timeout)
    except NewsArchiveError as exc:
        print(f"newsarchive reachability: error: {exc}", file=sys.stderr)
        return 2
    for outlet, info in result["outlets"].items():
        print(f"  {outlet:<12} {info['host']}:{info['port']}  {info['error'] or 'reachable'}")
    if result["message"]:
        print(result["message"])
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    if not result["unreachable"]:
        return 0
    return 3 if not result["reachable"] else 4


if __name__ == "__main__":
    sys.exit(main())
