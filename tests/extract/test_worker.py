"""extract/worker.py: the extraction worker's side of the socket (`serve`), driven here over a pipe in a
thread: the context first, then "ready", then one answer per page in order: ("ok", Article, spent) or
("error", reason, detail, spent); None or the parent's end closing stops it. (The worker processes of a
batch, their time and memory limits: test_batch.py.)"""

from __future__ import annotations

import pickle
import threading
from multiprocessing import Pipe

import pytest

from extract.batch import CRASHED, MEMORY
from extract.engine import OutletContext
from extract.models import Article
from extract.worker import serve

STORY = "قال ناشطون إن خمسة عشر شخصا قتلوا في قصف على ريف إدلب الجنوبي صباح اليوم. " * 12
PAGE = (
    "<html><head><title>قصف على ريف إدلب</title></head><body><article>"
    f"<h1>قصف على ريف إدلب</h1><p>{STORY}</p><p>{STORY}</p></article></body></html>"
).encode()
URL = "https://www.orient-news.net/news/1"


@pytest.fixture
def worker():
    """serve() on one end of a pipe, in a thread; the test is the parent on the other end."""
    parent, child = Pipe()
    threads: list[threading.Thread] = []

    def start(limit: int = 0, context: OutletContext | None = None):
        thread = threading.Thread(target=serve, args=(child, limit), daemon=True)
        thread.start()
        threads.append(thread)
        parent.send_bytes(pickle.dumps(context or OutletContext(outlet="orient", language="ar")))
        assert parent.poll(60) and parent.recv() == ("ready",)
        return parent, thread

    yield start
    parent.close()
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()


def test_each_page_is_answered_in_order_and_none_stops_the_worker(worker):
    conn, thread = worker()
    conn.send((PAGE, URL, "text/html; charset=utf-8"))
    conn.send((b"", URL, None))
    status, article, spent = conn.recv()
    assert (status, spent) == ("ok", False) and isinstance(article, Article)
    assert article.outlet == "orient" and article.title == "قصف على ريف إدلب"
    assert STORY.strip()[:40] in article.text
    assert conn.recv() == ("error", "empty", "the document has no content", False)
    conn.send(None)
    thread.join(10)
    assert not thread.is_alive()


def test_the_parents_end_closing_stops_the_worker(worker):
    conn, thread = worker()
    conn.close()
    thread.join(10)
    assert not thread.is_alive()


def test_a_page_the_extractor_fails_on_costs_only_that_page(worker):
    """Any failure inside the extractor is that page's reason (`crashed`), and the next page is served."""
    conn, _ = worker()
    conn.send((12345, URL, None))  # not a document: the extractor raises, not an ExtractionError
    status, reason, detail, spent = conn.recv()
    assert (status, reason, spent) == ("error", CRASHED, False)
    assert detail.startswith("the extractor failed on this page: ") and len(detail) <= 500
    conn.send((PAGE, URL, "text/html"))
    assert conn.recv()[0] == "ok"


def test_near_its_memory_limit_a_worker_asks_to_be_replaced_and_its_failure_is_memory(worker):
    """A worker whose peak address space came within a tenth of its limit says it is spent; a page that
    failed then gets reason `memory` (lxml reports a failed allocation as a parse error). Here the
    limit is below what this process already uses, as if the page had used it up."""
    conn, _ = worker(limit=64 << 20)
    conn.send((PAGE, URL, "text/html"))
    status, article, spent = conn.recv()
    assert status == "ok" and spent is True  # the page is kept; the worker is not reused
    conn.send((b"", URL, None))
    assert conn.recv() == (
        "error",
        MEMORY,
        "the page needed more than 64 MiB (the limit per worker, NEWSARCHIVE_EXTRACT_MEMORY_MB)",
        True,
    )
