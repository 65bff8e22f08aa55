"""search/segments_local.py: the segments a search reads, as checked local index directories. Only the
newest complete rev of each day is searched, and only a segment built with the query's stemmer; a day
without one is missing (and outdated when it has an old-format or other-stemmer one); a damaged or
vanished segment costs only its day, named with its repair; a check is made once and again when the tar
changes; a cache that cannot be written is one line naming the setting. Several days' segments are
searched as one combined view. On the search corpus (tests/search/corpus.py), two of its days indexed."""

from __future__ import annotations

import shutil

import pytest

from archive import layout
from archive.store import open_store
from search.segment import SegmentError, index_snapshot, open_index
from search.segments_local import combined_view, open_segments
from search.text import Analyzer
from tests.search.corpus import DAYS

STEMMER = Analyzer().identity


@pytest.fixture(scope="module")
def indexed(local_corpus, tmp_path_factory):
    """The search corpus with segments for its first two days (the third day has none)."""
    built, published = local_corpus
    path = tmp_path_factory.mktemp("segments-local") / "archive"
    shutil.copytree(built, path)
    store = open_store(path)
    for ref in published.refs[:2]:
        index_snapshot(store, ref)
    return path, published


@pytest.fixture
def archive(indexed, tmp_path):
    """A copy of `indexed` to change."""
    path, published = indexed
    shutil.copytree(path, tmp_path / "archive")
    return open_store(tmp_path / "archive"), tmp_path / "archive", published.refs


def _shared(indexed):
    """`indexed` as it is and its search cache, for a test that changes nothing in them."""
    path, published = indexed
    return open_store(path), published.refs, path.parent / "cache"


def test_the_newest_rev_of_each_day_with_a_segment_of_this_stemmer_is_searched(indexed):
    store, refs, cache = _shared(indexed)
    coverage = open_segments(store, cache, None, None, STEMMER)
    assert [s.ref for s in coverage.segments] == refs[:2]
    assert coverage.missing == [refs[-1]] and coverage.damaged == coverage.outdated == []
    assert [s.rows for s in coverage.segments] == [43, 30]
    assert all(
        (s.path / "meta.json").is_file() and s.rows_file.is_file() for s in coverage.segments
    )
    one_day = open_segments(store, cache, DAYS[1], DAYS[1], STEMMER)
    assert [s.ref for s in one_day.segments] == [refs[1]] and one_day.missing == []
    other = open_segments(store, cache, None, None, "snowball 0123456789ab")
    assert other.segments == [] and other.outdated == refs[:2]
    assert other.missing == [*refs[:2], refs[-1]]


def test_a_check_is_made_once_and_again_when_the_segment_changes(archive, tmp_path):
    store, root, refs = archive
    cache = tmp_path / "cache"
    first = open_segments(store, cache, None, None, STEMMER).segments[0]
    seal = next(cache.glob(f"*/{refs[0].day}-r1.checked"))
    checked = seal.stat().st_mtime_ns
    assert open_segments(store, cache, None, None, STEMMER).segments[0] == first
    assert seal.stat().st_mtime_ns == checked  # not read and hashed again
    tar = root / layout.search_segment_key(refs[0])
    tar.write_bytes(tar.read_bytes() + b"\0")  # the extracted copy is still whole: the tar is not
    coverage = open_segments(store, cache, None, None, STEMMER)
    assert [s.ref for s in coverage.segments] == [refs[1]]
    [damaged] = coverage.damaged
    assert damaged.startswith(f"{refs[0].label}: ") and "expected" in damaged
    assert f"search-index --rebuild --since {refs[0].day} --until {refs[0].day}" in damaged
    tar.unlink()
    [gone] = open_segments(store, cache, None, None, STEMMER).damaged
    assert "is missing (its pointer is there)" in gone
    # a day whose only segment is of an old format is missing and outdated
    store.put_bytes(layout.old_search_pointer_keys(refs[-1])[0], b'{"format": 1}')
    old = open_segments(store, cache, None, None, STEMMER)
    assert old.missing == old.outdated == [refs[-1]]


def test_a_cache_that_cannot_be_written_is_one_line_naming_the_setting(indexed, tmp_path):
    store, _, _ = _shared(indexed)
    (tmp_path / "a-file").write_text("not a directory")
    with pytest.raises(SegmentError, match="give a writable directory with NEWSARCHIVE_SEARCH"):
        open_segments(store, tmp_path / "a-file" / "cache", None, None, STEMMER)


def test_several_days_are_one_combined_view_of_their_segments(indexed):
    store, _, cache = _shared(indexed)
    segments = open_segments(store, cache, None, None, STEMMER).segments
    assert combined_view(segments[:1]) is None  # one day is searched as it is
    view = combined_view(segments)
    assert view is not None and combined_view(segments) == view  # made once
    assert all(f.is_symlink() for f in view.iterdir() if f.name != "meta.json")  # no copy
    docs = [open_index(s.path).searcher().num_docs for s in segments]
    assert open_index(view).searcher().num_docs == sum(docs) > max(docs)
