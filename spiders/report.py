"""Extension: at the end of a crawl, write the outlet's coverage report (JSON) and what the crawl learnt
for the next run (spiders/state.py) next to its WARC.

The report's keys are exactly the fields of archive.records.CrawlReport: newsarchive/run/crawl.py reads
it with the staged records' decoder, which refuses a key renamed, missing or unknown (never a silent 0)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from spiders.news import news_spider
from spiders.warc import WRITE_ERROR_STAT, WRITE_FAILED, capture_paths

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

PREFIX = "newsarchive/"


class CoverageReport:
    def __init__(self, crawler: Crawler, output_dir: str) -> None:
        self.crawler = crawler
        self.output_dir = output_dir

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CoverageReport:
        output_dir = crawler.settings.get("NEWSARCHIVE_OUTPUT_DIR")
        if not output_dir:
            raise NotConfigured("NEWSARCHIVE_OUTPUT_DIR is not set")
        ext = cls(crawler, output_dir)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        news = news_spider(spider)
        files = capture_paths(self.output_dir, news.outlet.id)
        files.report.parent.mkdir(parents=True, exist_ok=True)
        # the state first, the report last: the report is the sign that the crawl's files are whole
        write_error = self.crawler.stats.get_value(WRITE_ERROR_STAT) or ""
        run = news.finish_run(reason)
        try:
            files.state.write_bytes(run.to_bytes())
        except OSError as exc:
            write_error = write_error or f"{files.state.name}: {exc}"
        if write_error:
            reason = WRITE_FAILED
        stats = self.crawler.stats.get_stats()
        ours = {k[len(PREFIX) :]: v for k, v in stats.items() if k.startswith(PREFIX)}
        failed = {k.split("/", 1)[1]: v for k, v in ours.items() if k.startswith("failed/")}
        report = {
            "outlet": news.outlet.id,
            "finish_reason": reason,
            "discovered": ours.get("discovered", 0),
            "requested": stats.get("downloader/request_count", 0),
            "discovery_requests": ours.get("discovery_requests", 0),
            "not_modified": ours.get("not_modified", 0),
            "article_requests": ours.get("article_requests", 0),
            "robots_requests": stats.get("robotstxt/request_count", 0),
            "retried_pending": ours.get("retried_pending", 0),
            "retry_after": {
                k.split("/", 1)[1]: v for k, v in ours.items() if k.startswith("retry_after/")
            },
            "pending": len(run.pending),
            "gave_up": len(run.gave_up),
            "discovery_failed": {
                k.split("/", 1)[1]: v for k, v in ours.items() if k.startswith("discovery_failed/")
            },
            "fetched": ours.get("fetched", 0),
            "failed": failed,
            "skipped": {k.split("/", 1)[1]: v for k, v in ours.items() if k.startswith("skipped/")},
            # documents a discovery limit kept from being requested, by limit (spiders/news.py)
            "truncated_discovery": {
                k.split("/", 1)[1]: v
                for k, v in ours.items()
                if k.startswith("truncated_discovery/")
            },
            "robots_forbidden": stats.get("robotstxt/forbidden", 0),
            # page requisites (spiders/news.py): requested, fetched, bytes received, revisits, URLs
            # shared by several pages, and what was not requested or failed, by reason
            "requisites": {
                "requested": ours.get("requisites/requested", 0),
                "fetched": ours.get("requisites/fetched", 0),
                "bytes": ours.get("requisites/bytes", 0),
                "revisits": ours.get("requisites/revisits", 0),
                "shared": ours.get("requisites/shared", 0),
                "skipped": _under(ours, "requisites/skipped/"),
                "failed": _under(ours, "requisites/failed/"),
            },
            # every response kept in the WARC, by status; error responses and robots.txt answers named
            "records": ours.get("records", {}),
            "evidence": ours.get("evidence", []),
            "memusage_max": stats.get("memusage/max"),
            "elapsed_s": round(stats.get("elapsed_time_seconds") or 0.0, 2),
            # the first write of the crawl's files that failed (a full disk, a size limit): not whole
            "write_error": write_error,
        }
        part = files.report.with_name(files.report.name + ".part")
        part.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        part.replace(files.report)


def _under(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {k[len(prefix) :]: v for k, v in stats.items() if k.startswith(prefix)}
