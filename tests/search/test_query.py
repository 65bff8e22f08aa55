"""search/query.py: a user's query as pieces. Words are searched by their stem, quoted words and phrases
by their exact forms, word* as a prefix, -word excluded; no query syntax is taken from the user, and a
query with no word, or too many parts, is one error naming what to give."""

from __future__ import annotations

import pytest

from search.query import MAX_PIECES, Piece, QueryError, parse
from search.text import Analyzer


def test_words_are_stems_quotes_are_exact_forms_and_a_minus_excludes():
    forms = Analyzer().forms
    query = parse('والأطفال "جيش الإسلام" -دوما')
    word, phrase = query.must
    assert word == Piece((forms("والأطفال")[0],), stem=forms("والأطفال")[1], exact=False)
    assert phrase == Piece((forms("جيش")[0], forms("الإسلام")[0]))  # a phrase: its words in order
    assert query.must_not == (Piece(("دوما",), stem="دوما", exact=False),)
    assert query.stems == {forms("والأطفال")[1]} and query.forms == set(phrase.forms)
    assert query.stemmer == Analyzer().identity


def test_exact_searches_every_word_by_its_exact_form():
    query = parse("الحكومة والأطفال", exact=True)
    assert [p.forms for p in query.must] == [("الحكومه",), ("والاطفال",)]
    assert all(p.stem is None and p.prefix is None for p in query.must)


def test_a_star_makes_the_last_word_a_prefix_without_its_clitics_unless_exact():
    (piece,) = parse("الروسي*").must
    assert piece.prefix == "روسي" and not piece.exact
    (piece,) = parse("الروسي*", exact=True).must
    assert piece.prefix == "الروسي" and piece.exact
    assert parse("الروسي*").prefixes == parse("الروسي*").must


def test_syntax_is_never_taken_from_the_user():
    query = parse("title:دوما AND ) ( NEAR(x")
    assert [p.forms[0] for p in query.must] == ["title", "دوما", "and", "near", "x"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("...", "has no word to search for"),
        ("-دوما", "has no word to search for"),
        ("ٌٍ ـــ", "has no word to search for"),
        (" ".join(["دوما"] * (MAX_PIECES + 1)), f"give at most {MAX_PIECES}"),
    ],
)
def test_a_query_without_a_word_or_with_too_many_parts_is_one_error(text, message):
    with pytest.raises(QueryError, match=message) as caught:
        parse(text)
    assert "\n" not in str(caught.value) and caught.value.reason == "bad_query"
