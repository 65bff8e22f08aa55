"""Deduplication layers and the labelled set (through `newsarchive dedup`; the command: tests/newsarchive/cli)."""

import json
from itertools import combinations

import pytest

from dedup.engine import Deduplicator, Document
from dedup.urls import canonical_url, parsed_canonical_url
from newsarchive.cli.main import main
from tests.dedup.labelled_set import labelled_set, seed_stories

ARTICLE = "https://www.enabbaladi.net/archives/سوريا-دوما"


@pytest.mark.parametrize(
    "variant",
    [
        "https://www.enabbaladi.net/archives/%D8%B3%D9%88%D8%B1%D9%8A%D8%A7-%D8%AF%D9%88%D9%85%D8%A7",
        "https://www.enabbaladi.net/archives/%d8%b3%d9%88%d8%b1%d9%8a%d8%a7-%d8%af%d9%88%d9%85%d8%a7/",
        "HTTP://WWW.EnabBaladi.NET:80/archives/سوريا-دوما?utm_source=twitter&utm_campaign=x#comments",
        "https://enabbaladi.net:443/archives/سوريا-دوما?fbclid=IwAR0&gclid=abc",
        "https://m.enabbaladi.net/archives/سوريا-دوما/amp/",
        "https://amp.enabbaladi.net/archives/سوريا-دوما?amp=1",
    ],
)
def test_url_variants_share_one_canonical_key(variant):
    assert canonical_url(variant) == canonical_url(ARTICLE)


def test_urls_that_differ_in_what_matters_stay_apart():
    assert canonical_url(ARTICLE + "?id=2") != canonical_url(ARTICLE + "?id=3")
    assert canonical_url(ARTICLE) != canonical_url(ARTICLE.replace("دوما", "حلب"))
    assert (
        canonical_url("https://a.example/x", declared="/y") == "https://a.example/y"
    )  # rel=canonical wins


def test_the_plain_url_shortcut_gives_what_the_whole_parse_gives():
    """canonical_url skips parsing for plain URLs; every shape around the shortcut's edge is keyed the same
    both ways (case, ports, users, IPv6, dots, percent signs, spaces, queries, fragments, AMP paths)."""
    hosts = ["enabbaladi.net", "a.b.example", "example", "ex-ample.co.uk", "a..b", "h.example."]
    hosts += ["h.example:80", "h.example:8080", "u@h.example", "[::1]", "H.Example"]
    paths = ["", "/", "/a", "/a/", "/amp", "/amp/", "/a/amp", "/a/amp/", "/AMP/x", "/a//b", "/./b"]
    paths += ["/~x_y-z.html", "/سوريا", "/%D8%B3", "/%d8%b3", "/%41", "/a b", "/a\tb", "/a?x=1"]
    paths += ["/a#f", "/a?utm_source=x&b=2", "/amp/amp", "/ampx", "/x/ampere", "/a;p", "/a:b@c"]
    urls = [
        scheme + sub + host + path + end
        for scheme in ("https://", "http://", "HTTP://", "ftp://", " https://", "//")
        for sub in ("", "www.", "m.", "amp.", "mobile.", "WWW.", "news.")
        for host in hosts
        for path in paths
        for end in ("", " ", "\n")
    ]
    assert [canonical_url(u) for u in urls] == [parsed_canonical_url(u) for u in urls]
    assert canonical_url("https://m.outlet.example/a/amp/") == "https://outlet.example/a"


def test_the_five_seed_stories_are_five_articles():
    docs = [
        Document(f"seed{n}", "\n".join(ps), url) for n, (_, url, ps) in enumerate(seed_stories())
    ]
    decisions = list(Deduplicator().run(docs))
    assert [d.duplicate_of for d in decisions] == [None] * 5


def _pairs(groups: dict[str, str]) -> set[frozenset]:
    return {frozenset(p) for p in combinations(groups, 2) if groups[p[0]] == groups[p[1]]}


def test_labelled_set_pairwise_precision_and_recall(tmp_path, capsys):
    docs = labelled_set()
    source = tmp_path / "corpus.jsonl"
    source.write_text(
        "".join(json.dumps(d.to_input(), ensure_ascii=False) + "\n" for d in docs), encoding="utf-8"
    )
    assert main(["dedup", str(source)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == [d.id for d in docs]
    predicted = _pairs({o["id"]: o["duplicate_of"] or o["id"] for o in out})
    truth = _pairs({d.id: d.group for d in docs})
    precision = len(predicted & truth) / len(predicted)
    recall = len(predicted & truth) / len(truth)
    assert precision >= 0.99 and recall >= 0.95, (
        precision,
        recall,
        sorted(map(sorted, truth - predicted))[:5],
    )
    reasons = {o["id"]: o["reason"] for o in out}
    assert reasons["s0-tracking-url"] == reasons["s0-amp-url"] == "canonical_url"
    assert reasons["s0-orthographic"] == "exact_content"
    assert reasons["s0-paragraph-added"] == "near_duplicate"
    assert all(o["duplicate_of"] is None for o in out if "negative" in o["id"])  # shared lead only


def test_same_url_with_changed_text_is_a_revision_not_a_duplicate():
    _, url, paragraphs = seed_stories()[1]
    first = "\n".join(paragraphs)
    edited = "\n".join(
        paragraphs[:-1] + ["تحديث: ارتفعت حصيلة الضحايا إلى 40 قتيلاً بحسب الدفاع المدني."]
    )
    decisions = list(
        Deduplicator().run(
            [
                Document("v1", first, url),
                Document("v2", edited, url + "?utm_source=x"),
                Document("v2-again", edited, url),
            ]
        )
    )
    assert decisions[1].revision_of == "v1" and decisions[1].duplicate_of is None
    assert decisions[1].reason == "revision" and 0.5 < decisions[1].similarity < 1
    assert decisions[2].duplicate_of == "v2" and decisions[2].reason == "canonical_url"


def test_a_canonical_url_given_without_the_url_keys_the_document():
    """A researcher's corpus may hold only `canonical_url`: that is the document's URL key, as it is
    beside a URL (once the key was the document's id, so the URL layer never saw such lines)."""
    _, url, paragraphs = seed_stories()[1]
    text = "\n".join(paragraphs)
    decisions = list(
        Deduplicator().run(
            [
                Document("a", text, canonical=url),
                Document("b", text, canonical=url + "?utm_source=x"),
                Document("c", text, url=url),
                Document("d", text, canonical="  "),  # blank: no key of its own
            ]
        )
    )
    assert [(d.duplicate_of, d.reason) for d in decisions] == [
        (None, None),
        ("a", "canonical_url"),
        ("a", "canonical_url"),  # a duplicate points at its group's first-seen article
        ("a", "exact_content"),
    ]
    # a canonical URL that is not an absolute http(s) URL keys nothing: «/» on two different stories
    # must not make the second a revision of the first, nor hide it from the content layers
    other = "\n".join(seed_stories()[2][2])
    decisions = list(
        Deduplicator().run(
            [
                Document("y", other, url="https://other.example/story-9"),
                Document("z", text, canonical="/"),
                Document("x", other, canonical="/"),
                Document("w", text, canonical="index.html"),
            ]
        )
    )
    assert [(d.id, d.duplicate_of, d.revision_of, d.reason) for d in decisions] == [
        ("y", None, None, None),
        ("z", None, None, None),
        ("x", "y", None, "exact_content"),
        ("w", "z", None, "exact_content"),
    ]
