"""The search analyzer (search/text.py): folding and stemming of Arabic text as indexed and queried."""

from __future__ import annotations


def test_folding_a_batch_is_folding_each_text_with_empty_texts_anywhere():
    from search.text import Analyzer, surface_many

    batch = ["", "الأطفالُ ـــ في دوماً", "", "", "Ｃｈｉｌｄｒｅｎ ١٢٣", "ٌٍ", "", "أخيرة", "", ""]
    alone = [surface_many([t])[0] for t in batch]
    assert surface_many(batch) == alone
    assert alone[1].split() == ["الأطفال", "في", "دوماً"]  # letters as written, tanween fath kept
    assert alone[0] == alone[5] == "" and alone[4] == "children 123" and alone[7] == "أخيرة"
    assert surface_many([]) == [] and surface_many(["", ""]) == ["", ""]
    forms = Analyzer().forms
    assert forms("أخيرة") == ("اخيره", "اخير")  # the exact form folded; the stem too
    assert forms("دومًا") == forms("دوماً") == ("دوماً", "دوم")  # one exact form, never the city's
    assert forms("دوما") == ("دوما", "دوما")
