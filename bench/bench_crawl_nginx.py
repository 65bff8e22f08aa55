"""`make bench` (crawl part, issue 31): our crawl with WARC capture beside a bare Scrapy spider, both
against nginx serving a static dump of the replica on loopback, in interleaved rounds.

The dump: one crawl of the replica (the Python server, which tops out near 2,000 requests/s) captures
every document of one outlet; each 200 response's payload is written under <tmp>/dump/<host>/<path>,
named by its content type, and nginx (/usr/sbin/nginx, its own config, pid and temp dirs under the
temp directory, never the system service) serves it on a free 127.0.0.1 port by the Host header.
Then, each round: (a) a bare Scrapy spider (no WARC, no middlewares of ours) fetching the same
URLs (every document our crawl fetched: robots.txt, feeds, sitemaps, section pages, articles and
their requisites), with the crawl's concurrency and AutoThrottle settings (spiders/settings.py); (b) our crawl
(`scrapy crawl news`, WARC capture, discovery from the outlet's feeds and sitemaps). Both are
`scrapy` processes; pages/s is article pages over Scrapy's own elapsed time, CPU ms/page the process's
user+system CPU (start-up included) over the article pages.

    python bench/bench_crawl_nginx.py [--outlet orient] [--pages 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.warc_read import ARTICLE_KINDS, iter_captures  # noqa: E402
from common.warc_reader import read_records  # noqa: E402
from newsarchive.config import Settings  # noqa: E402
from newsarchive.run.crawl import run_crawl  # noqa: E402
from outlets.registry import load_registry  # noqa: E402
from replica.server import ReplicaServer  # noqa: E402
from spiders import settings as crawl_settings  # noqa: E402
from spiders.warc import capture_paths  # noqa: E402

NGINX = Path("/usr/sbin/nginx")
BARE = """
import json, os, scrapy

class Bare(scrapy.Spider):
    name = "bare"

    async def start(self):
        port = os.environ["BENCH_PORT"]
        for url in json.load(open(os.environ["BENCH_URLS"])):
            host, _, rest = url.split("://", 1)[1].partition("/")
            yield scrapy.Request(
                f"http://127.0.0.1:{port}/{rest}", headers={"Host": host}, meta={"download_slot": host}
            )

    def parse(self, response):
        self.crawler.stats.inc_value("bench/pages")

    def closed(self, reason):
        stats = self.crawler.stats
        start = stats.get_value("start_time")
        elapsed = (stats.get_value("finish_time") or __import__("datetime").datetime.now(start.tzinfo)) - start
        with open(os.environ["BENCH_STATS"], "w") as fh:
            json.dump({"pages": stats.get_value("bench/pages", 0), "elapsed": elapsed.total_seconds()}, fh)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dump(warc: Path, root: Path) -> tuple[list[str], list[str], dict[str, str]]:
    """The 200 responses' payloads as files; (the article URLs, every URL dumped: the discovery
    documents, articles and page requisites our crawl fetched, content type -> file suffix)."""
    types: dict[str, str] = {}
    documents = []
    for record in read_records(warc):
        if record.rec_type != "response" or record.http_headers is None:
            continue
        if record.http_headers.get_statuscode() != "200":
            continue
        url = record.header("WARC-Target-URI") or ""
        parts = urlsplit(url)
        if parts.query:
            continue
        ctype = record.http_headers.get_header("Content-Type") or "application/octet-stream"
        suffix = types.setdefault(ctype, f"ct{len(types)}")
        path = root / (parts.hostname or "") / (unquote(parts.path).lstrip("/") + "_." + suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(record.payload())
        documents.append(url)
    articles = [c.url for c in iter_captures(warc, kinds=ARTICLE_KINDS) if c.status == 200]
    return [u for u in articles if not urlsplit(u).query], documents, types


def nginx_conf(tmp: Path, port: int, types: dict[str, str]) -> Path:
    for d in ("client", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / "nginx" / d).mkdir(parents=True, exist_ok=True)
    mime = "\n".join(f'        "{ctype}" {suffix};' for ctype, suffix in types.items())
    tries = " ".join(f"${{uri}}_.{s}" for s in types.values())
    conf = tmp / "nginx" / "nginx.conf"
    conf.write_text(
        f"""worker_processes 1;
daemon off;
pid {tmp}/nginx/nginx.pid;
error_log {tmp}/nginx/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log {"off" if not os.environ.get("BENCH_NGINX_LOG") else f"{tmp}/nginx/access.log"};
    client_body_temp_path {tmp}/nginx/client;
    proxy_temp_path {tmp}/nginx/proxy;
    fastcgi_temp_path {tmp}/nginx/fastcgi;
    uwsgi_temp_path {tmp}/nginx/uwsgi;
    scgi_temp_path {tmp}/nginx/scgi;
    types {{
{mime}
    }}
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/dump/$host;
        location / {{ try_files {tries} =404; }}
    }}
}}
""",
        encoding="utf-8",
    )
    return conf


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_bare(tmp: Path, port: int, urls_file: Path) -> tuple[int, float, float]:
    spider = tmp / "bare.py"
    spider.write_text(BARE, encoding="utf-8")
    s = crawl_settings
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-s", "LOG_LEVEL=WARNING"]
    for name in (
        "AUTOTHROTTLE_ENABLED",
        "AUTOTHROTTLE_START_DELAY",
        "AUTOTHROTTLE_MAX_DELAY",
        "AUTOTHROTTLE_TARGET_CONCURRENCY",
        "CONCURRENT_REQUESTS",
        "CONCURRENT_REQUESTS_PER_DOMAIN",
        "DOWNLOAD_DELAY",
    ):
        cmd += ["-s", f"{name}={getattr(s, name, 0)}"]
    cmd += ["-s", "ROBOTSTXT_OBEY=False", "-s", "TELNETCONSOLE_ENABLED=False"]
    stats = tmp / "bare-stats.json"
    env = {
        **os.environ,
        "BENCH_PORT": str(port),
        "BENCH_URLS": str(urls_file),
        "BENCH_STATS": str(stats),
    }
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    before = _cpu_children()
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    result = json.loads(stats.read_text(encoding="utf-8"))
    pages, elapsed = int(result["pages"]), float(result["elapsed"]) or wall
    if not pages:
        raise SystemExit(f"the bare spider fetched nothing:\n{done.stderr[-3000:]}")
    return pages, float(elapsed), _cpu_children() - before


def run_ours(
    tmp: Path, port: int, outlet: str, hosts: list[str], n: int
) -> tuple[int, float, float]:
    settings = Settings(
        archive=str(tmp / "archive"),
        host_map={h: f"127.0.0.1:{port}" for h in hosts},
        max_articles=n,
    )
    out = tmp / f"ours-{time.monotonic_ns()}"
    before = _cpu_children()
    report = run_crawl(settings, load_registry(), outlet, out)
    cpu = _cpu_children() - before
    shutil.rmtree(out, ignore_errors=True)
    return report.fetched, report.elapsed_s, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlet", default="orient")
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not NGINX.exists():
        print(f"{NGINX} is not installed: no crawl-vs-Scrapy figure")
        return
    with tempfile.TemporaryDirectory(prefix="bench-crawl-nginx-") as name:
        tmp = Path(name)
        tmp.chmod(0o755)  # nginx's worker (nobody, when run as root) reads the dump
        with ReplicaServer(per_outlet=args.pages) as replica:
            hosts = [h for h in replica.host_map]
            settings = Settings(
                archive=str(tmp / "archive"), host_map=replica.host_map, max_articles=args.pages
            )
            first = tmp / "first"
            run_crawl(settings, load_registry(), args.outlet, first)
        articles, documents, types = dump(capture_paths(first, args.outlet).warc, tmp / "dump")
        urls_file = tmp / "urls.json"  # the bare spider fetches every document ours fetched
        urls_file.write_text(json.dumps(documents), encoding="utf-8")
        port = _free_port()
        conf = nginx_conf(tmp, port, types)
        nginx = subprocess.Popen([str(NGINX), "-c", str(conf), "-p", str(tmp / "nginx")])
        try:
            time.sleep(0.5)
            print(
                f"load average {os.getloadavg()[0]:.1f}; {args.outlet}: {len(documents)} documents "
                f"dumped ({len(articles)} article pages), nginx on 127.0.0.1:{port}"
            )
            rows: dict[str, list[tuple[int, float, float]]] = {"bare": [], "ours": []}
            ratios = []
            for r in range(args.rounds):
                order = ["bare", "ours"] if r % 2 == 0 else ["ours", "bare"]
                for which in order:
                    if which == "bare":  # counted by the article pages among its documents
                        fetched, elapsed, cpu = run_bare(tmp, port, urls_file)
                        if fetched < len(documents):
                            raise SystemExit(
                                f"the bare spider fetched {fetched} of {len(documents)}"
                            )
                        rows["bare"].append((len(articles), elapsed, cpu))
                    else:
                        rows["ours"].append(run_ours(tmp, port, args.outlet, hosts, args.pages))
                (bp, bt, _), (op, ot, _) = rows["bare"][-1], rows["ours"][-1]
                ratios.append((op / ot) / (bp / bt))
            for which, label in (
                ("bare", "bare Scrapy spider (no WARC)"),
                ("ours", "our crawl (WARC capture)"),
            ):
                pages = statistics.median(p for p, _, _ in rows[which])
                rate = statistics.median(p / t for p, t, _ in rows[which])
                cpu = statistics.median(c * 1000 / max(p, 1) for p, _, c in rows[which])
                print(
                    f"  {label:30} {pages:6.0f} pages  {rate:7.1f} pages/s  {cpu:5.2f} CPU ms/page"
                )
            print(
                f"  ours {statistics.median(ratios):.2f}x the bare spider's pages/s "
                f"(range {min(ratios):.2f}-{max(ratios):.2f}x, {args.rounds} interleaved rounds)"
            )
        finally:
            if os.environ.get("BENCH_NGINX_LOG"):
                log = (tmp / "nginx" / "access.log").read_text(encoding="utf-8").splitlines()
                print("\n".join(log[:2]))
                print((tmp / "nginx" / "error.log").read_text(encoding="utf-8")[-600:])
            nginx.terminate()
            nginx.wait(timeout=10)


if __name__ == "__main__":
    main()
