"""The bounded batch extractor: a time limit per page, input order, bounded read-ahead (issue 20)."""

import os
import signal
from pathlib import Path

import pytest

from common.errors import ExtractionError
from extract.batch import CRASHED, READ_AHEAD_PER_WORKER, TIMEOUT, Page, extract_pages
from extract.engine import OutletContext
from extract.models import Article
from replica.server import Replica

SITE = next(s for s in Replica(per_outlet=3).sites.values() if s.outlet == "euronews")
CONTEXT = OutletContext(outlet="euronews", timezone="Europe/Paris", language="ar")


def _good(i: int) -> Page:
    article = SITE.articles[i % len(SITE.articles)]
    return Page(
        SITE.article_html(article).encode(),
        SITE.url(article),
        "text/html; charset=utf-8",
        f"good{i}",
    )


def _slow() -> Page:
    """2 MB, 200,000 attributes on one element: over half a minute of lxml and trafilatura."""
    attrs = " ".join(f"a{i}=v" for i in range(200_000))
    html = f"<html><body><div {attrs}><p>{'نص ' * 100}</p></div></body></html>"
    return Page(html.encode(), "https://x.test/slow", source="slow")


@pytest.mark.slow  # waits out a worker's time limit
def test_a_slow_page_times_out_and_the_others_are_extracted_in_input_order():
    pages = [
        _good(0),
        _slow(),
        _good(1),
        Page(b"", "https://x.test/empty", source="empty"),
        _good(2),
    ]
    results = list(extract_pages(CONTEXT, pages, workers=2, timeout_s=2))
    assert [page.source for page, _ in results] == ["good0", "slow", "good1", "empty", "good2"]
    outcome = {
        page.source: (r.reason if isinstance(r, ExtractionError) else r.title)
        for page, r in results
    }
    assert outcome["slow"] == TIMEOUT and outcome["empty"] == "empty"
    for i in range(3):
        assert outcome[f"good{i}"] == SITE.articles[i].title
    slow = dict((page.source, r) for page, r in results)["slow"]
    assert "2 s" in slow.detail


def test_pages_are_read_only_a_little_ahead_of_the_results():
    pulled = []

    def pages():
        for i in range(12):
            pulled.append(i)
            yield _good(i)

    stream = extract_pages(CONTEXT, pages(), workers=1, timeout_s=20)
    seen = []
    for page, result in stream:
        assert isinstance(result, Article)
        seen.append(page.source)
        assert len(pulled) - len(seen) <= READ_AHEAD_PER_WORKER
    assert seen == [f"good{i}" for i in range(12)]


def test_a_stream_left_early_stops_its_workers():
    stream = extract_pages(CONTEXT, (_good(i) for i in range(6)), workers=2, timeout_s=20)
    page, result = next(stream)
    assert isinstance(result, Article)
    stream.close()  # no hang, no process left behind (the workers are stopped in `finally`)


def _worker_pids() -> set[int]:
    """This process's extraction workers."""
    pids = set()
    for proc in Path("/proc").iterdir():
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"extract.worker" in cmdline:
            pids.add(int(proc.name))
    return pids


def _kill_workers() -> int:
    """SIGKILL this process's extraction workers, as the kernel's OOM killer would."""
    pids = _worker_pids()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    return len(pids)


@pytest.mark.slow  # a few hundred pages
def test_a_short_batch_is_done_by_one_worker_and_a_long_one_gets_more():
    """A worker takes longer to start than a few news pages take to extract: a day's few pages of one
    outlet start one worker, not `workers` of them competing for the CPU; a long batch gets them all."""
    seen: set[int] = set()
    short = [
        r
        for _, r in extract_pages(CONTEXT, [_good(i) for i in range(3)], workers=2, timeout_s=20)
        if not seen.update(_worker_pids())
    ]
    assert len(short) == 3 and all(isinstance(r, Article) for r in short)
    assert len(seen) == 1
    seen.clear()
    long = 3000  # at most: a few seconds of work on one worker, several times what a start-up takes
    read = []

    def pages():  # the long batch ends once both workers are seen: what follows would prove nothing
        for i in range(long):
            if len(seen) == 2 and len(read) >= 20:
                return
            read.append(i)
            yield _good(i)

    results = [  # /proc read until both workers are seen (each read costs more than a page)
        r
        for _, r in extract_pages(CONTEXT, pages(), workers=2, timeout_s=20)
        if len(seen) == 2 or not seen.update(_worker_pids())
    ]
    assert len(results) == len(read) and all(isinstance(r, Article) for r in results)
    assert len(seen) == 2


def test_a_worker_that_dies_costs_only_its_page():
    stream = extract_pages(CONTEXT, [_good(0), _slow(), _good(1)], workers=1, timeout_s=60)
    results = [next(stream)]  # by now the slow page is on the one worker
    assert _kill_workers() == 1
    results += list(stream)
    assert [page.source for page, _ in results] == ["good0", "slow", "good1"]
    assert results[1][1].reason == CRASHED and "died" in results[1][1].detail
    assert results[2][1].title == SITE.articles[1].title


def test_workers_get_no_credentials(monkeypatch):
    """A worker parses hostile pages: the environment it gets holds no secret."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak")
    stream = extract_pages(CONTEXT, [_good(0), _good(1)], workers=1, timeout_s=20)
    next(stream)
    environs = [
        p.parent / "environ"
        for p in Path("/proc").glob("[0-9]*/cmdline")
        if b"extract.worker" in _read(p) and _parent(p.parent) == os.getpid()
    ]
    assert environs and not any(b"do-not-leak" in _read(e) for e in environs)
    stream.close()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _parent(proc: Path) -> int:
    stat = _read(proc / "stat").decode()
    return int(stat.rsplit(")", 1)[1].split()[1]) if stat else -1


def _hog() -> Page:
    """The replica's memory_hog: millions of empty paragraphs, several hundred MiB once parsed."""
    from replica.faults import memory_hog_paragraphs

    html = "<html><body>" + memory_hog_paragraphs() + "</body></html>"
    return Page(html.encode(), "https://x.test/hog", source="hog")


@pytest.mark.slow  # worker processes replaced
def test_a_page_over_the_memory_limit_costs_only_itself():
    """Each worker's address space is limited (RLIMIT_AS): the page that needs more gets reason `memory`
    in seconds, the worker that ran into the limit is replaced, and the pages around it are extracted."""
    from extract.batch import MEMORY

    results = list(
        extract_pages(CONTEXT, [_good(0), _hog(), _good(1)], workers=1, timeout_s=60, memory_mb=320)
    )
    outcome = [r.reason if isinstance(r, ExtractionError) else r.title for _, r in results]
    assert outcome == [SITE.articles[0].title, MEMORY, SITE.articles[1].title]
    assert (
        "320 MiB" in results[1][1].detail
        and "NEWSARCHIVE_EXTRACT_MEMORY_MB" in results[1][1].detail
    )
    with pytest.raises(ValueError, match="memory_mb must be positive"):
        next(extract_pages(CONTEXT, [_good(0)], memory_mb=0))
