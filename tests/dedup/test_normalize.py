"""dedup/normalize.py: Arabic-aware normalisation, so that orthographic variants of one text are one
text: tashkeel, tatweel and bidi marks gone, alef forms, alef maqsura and ta marbuta folded, Eastern
digits made ASCII, punctuation made space, case folded, spaces collapsed; the content hash is equal for
such variants. The batch fold against the rules character by character: tests/dedup/test_signatures.py."""

from __future__ import annotations

import numpy as np

from dedup.normalize import SEPARATOR, content_hash, fold_batch, normalize_many, normalize_text


def test_arabic_normalisation_unifies_orthographic_variants():
    plain = normalize_text("قال المرصد إن 30 مدنيا أصيبوا في إدلب، الجمعة.")
    assert normalize_text("قالَ المرصـــد إنّ ٣٠ مدنياً أُصيبوا في ادلب ، الجمعة .") == plain
    assert normalize_text("\u200fقال المرصد ان ۳۰ مدنيا اصيبوا في إدلب؛ الجمعة\u200f") == plain
    assert normalize_text("المدينة") == normalize_text("المدينه")
    assert normalize_text("على") == normalize_text("علي")


def test_each_rule_as_the_docstring_writes_it():
    assert normalize_text("أإآٱ") == "اااا"
    assert normalize_text("ﻻ") == "لا"  # NFKC: the presentation form is its letters
    assert normalize_text("Damascus DAMASCUS") == "damascus damascus"
    assert normalize_text("  حلب…«دمشق»\t\n-- 😀 إدلب!  ") == "حلب دمشق ادلب"
    assert normalize_text("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹") == "0123456789 0123456789"
    assert normalize_text("\u0640\u064b\u200d") == ""  # nothing but marks: nothing left
    assert normalize_many([]) == []


def test_the_content_hash_is_equal_for_variants_and_only_for_them():
    a = content_hash(normalize_text("قال المرصد إن 30 مدنيا أصيبوا"))
    assert a == content_hash(normalize_text("قالَ المرصـد إنّ ٣٠ مدنياً أُصيبوا"))
    assert a != content_hash(normalize_text("قال المرصد إن 31 مدنيا أصيبوا"))
    assert 0 <= a < 1 << 64


def test_a_folded_batch_is_the_texts_code_units_each_ended_by_the_separator():
    texts = ["حلب، اليوم", "", "x\x00y", "دوما"]  # an empty text; one holding the separator's unit
    normalized, folded = fold_batch(texts)
    assert normalized == ["حلب اليوم", "", "x y", "دوما"]
    assert folded.dtype == np.uint16 and int((folded == SEPARATOR).sum()) == len(texts) - 1
    back = folded.tobytes().decode("utf-16-le").split(chr(SEPARATOR))
    assert back == normalized
