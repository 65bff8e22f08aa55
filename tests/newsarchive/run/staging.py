"""A run's staging written as its per-outlet stages write it (WARC, crawl run, staged crawl report,
article rows, extraction report; or a gap), through the staged records' codec, without a crawl: the
lifecycle's unit tests start from here."""

from __future__ import annotations

import random
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from archive.records import ArchivedRow, CrawlReport, Gap
from archive.store import Store
from extract.models import article_id
from newsarchive.run import staged
from newsarchive.run.runs import RunRef
from newsarchive.run.staged import ExtractReport, StagedCrawl, StagedGap, new_attempt
from spiders.state import CrawlRun, seen_key
from tests.archive.warcs import Page, page_html, write_warc

WORDS = (
    "قالت مصادر محلية إن القصف استهدف الأحياء السكنية في المدينة صباح اليوم وأسفر عن إصابات بين "
    "المدنيين فيما عملت فرق الدفاع المدني لساعات على إخلاء العائلات من المباني المتضررة وأضافت "
    "المصادر أن المستشفى الميداني استقبل عشرات الجرحى وأن الطرق المؤدية إلى البلدة أغلقت بعد "
    "اشتباكات عنيفة بين الفصائل والقوات الحكومية على أطراف الريف الشمالي وأعلنت الأمم المتحدة أنها "
    "تتابع الوضع الإنساني وتدعو إلى وقف فوري لإطلاق النار وفتح ممرات آمنة للمساعدات الغذائية والطبية"
).split()


def text(n: int) -> str:
    """A story of its own (different stories share no run of three words often enough to look alike)."""
    rng = random.Random(n)
    return " ".join(rng.choice(WORDS) for _ in range(80))


@dataclass(frozen=True)
class Story:
    url: str
    text: str
    published: str | None
    fetched_at: str  # when the crawl got it (never decides anything but provenance)


def story(
    outlet_host: str, n: int, published: str | None, fetched_at: str, body: str = ""
) -> Story:
    return Story(f"https://{outlet_host}/a/{n}", body or text(n), published, fetched_at)


def stage_outlet(store: Store, run: RunRef, outlet: str, stories: list[Story]) -> list[ArchivedRow]:
    """The outlet's crawl and extraction, staged; its rows."""
    for key in run.outlet_outputs(outlet):
        store.delete(key)
    pages = [
        Page(s.url, f"<urn:uuid:{uuid.uuid4()}>", s.fetched_at, page_html("t", s.text))
        for s in stories
    ]
    with tempfile.TemporaryDirectory() as tmp:
        store.put_file(run.warc(outlet), write_warc(Path(tmp) / "w.warc.gz", pages), overwrite=True)
    fetched = [seen_key(s.url) for s in stories]
    crawl_run = CrawlRun(outlet, run.day.isoformat(), "2026-11-21T03:00:00+00:00", fetched=fetched)
    store.put_bytes(run.crawl_run(outlet), crawl_run.to_bytes(), overwrite=True)
    n = len(stories)
    crawl = StagedCrawl(outlet, new_attempt(), CrawlReport(outlet, "finished", n, n, n))
    staged.write(store, run.crawl_report(outlet), crawl)
    rows = [
        ArchivedRow(
            article_id(s.url, s.url, s.text),
            s.url,
            s.url,
            outlet,
            "t",
            None,
            s.published,
            "jsonld",
            None,
            "ar",
            s.text,
            capture_id=p.record_id,
            fetched_at=s.fetched_at,
        )  # fmt: skip
        for s, p in zip(stories, pages, strict=True)
    ]
    staged.write_rows(store, run.articles(outlet), rows)
    staged.write(
        store, run.extract_report(outlet), ExtractReport(outlet, new_attempt(), crawl.attempt, n)
    )
    return rows


def stage_crawl_gap(store: Store, run: RunRef, outlet: str, reason: str = "http_500") -> Gap:
    gap = Gap("crawl", reason, f"outlet {outlet}: every discovery URL failed (3x {reason})")
    for key in run.outlet_outputs(outlet):
        store.delete(key)
    staged.write(store, run.gap("crawl", outlet), StagedGap(outlet, new_attempt(), gap))
    return gap
