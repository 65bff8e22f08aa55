"""search/stemmers.py: a stemmer by name (the chosen one is ours, Light10), an unknown name or a missing
package one error saying what to give."""

from __future__ import annotations

import pytest

from search.stemmers import CANDIDATES, CHOSEN, StemmerUnavailable, load
from search.text import light10


def test_the_chosen_stemmer_is_light10_and_a_candidate_stems_one_word():
    assert CHOSEN == "light10" and load(CHOSEN) is light10
    snowball = load("snowball")
    assert snowball("والحكومة") != "والحكومة" and snowball("") == ""  # a stem, or the word itself
    assert load("snowball") is snowball  # loaded once


def test_an_unknown_stemmer_is_named_with_the_ones_there_are():
    with pytest.raises(StemmerUnavailable) as caught:
        load("porter")
    assert "no stemmer 'porter'; give one of " in str(caught.value)
    assert all(name in str(caught.value) for name in CANDIDATES)
