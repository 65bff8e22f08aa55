"""dedup/signing.py: a batch's hashes, signatures and URL keys, made one batch ahead on threads."""

import numpy as np

from dedup.engine import Document
from dedup.signing import SIGN_CHUNK, signed_batches, url_key
from dedup.urls import canonical_url

TEXT = "قال المرصد إن ثلاثين مدنيا أصيبوا في إدلب يوم الجمعة، وفق ما نقلته وكالات الأنباء. "


def _docs(prefix: str, n: int) -> list[Document]:
    return [
        Document(
            f"{prefix}{i}", TEXT * (1 + i % 3) + f" {i}", f"https://outlet.example/{prefix}/{i}"
        )
        for i in range(n)
    ]


def test_batches_come_back_in_order_each_with_the_rows_of_its_own_documents():
    batches = [
        _docs("a", 3),
        _docs("b", SIGN_CHUNK * 2 + 5),
        _docs("c", 1),
    ]  # b: three chunks joined
    out = list(signed_batches(iter(batches)))
    assert [docs for docs, _, _ in out] == batches
    for docs, signed, spent in out:
        assert len(signed.sigs) == len(signed.contents) == len(signed.urls) == len(docs)
        assert all(seconds >= 0 for seconds in spent)
    # a batch signed with others gives the rows it gives alone, whichever chunk a document fell in
    _, big, _ = out[1]
    for doc_index in (0, SIGN_CHUNK, SIGN_CHUNK * 2 + 4):
        ((_, alone, _),) = list(signed_batches([[batches[1][doc_index]]]))
        assert np.array_equal(big.sigs[doc_index], alone.sigs[0])
        assert big.contents[doc_index] == alone.contents[0]
        assert big.urls[doc_index] == alone.urls[0]


def test_the_same_text_has_the_same_hash_and_a_text_of_furniture_only_is_empty():
    docs = [
        Document("x", TEXT, "https://outlet.example/x"),
        Document("y", "  " + TEXT.replace("،", " ، "), "https://outlet.example/y"),
        Document("z", " \n\t ", "https://outlet.example/z"),
    ]
    ((_, signed, _),) = list(signed_batches([docs]))
    assert signed.contents[0] == signed.contents[1]
    assert list(signed.nonempty) == [True, True, False]


def test_url_keys_are_of_the_canonical_url_and_a_document_without_one_is_keyed_by_its_id():
    docs = [
        Document("p", TEXT, "https://m.outlet.example/a/amp/?utm_source=x"),
        Document("q", TEXT, "https://outlet.example/a"),
        Document("r", TEXT, "https://outlet.example/b", canonical="https://outlet.example/a"),
        Document("s", TEXT),
        Document("t", TEXT),
    ]
    ((_, signed, _),) = list(signed_batches([docs]))
    key = url_key(canonical_url("https://outlet.example/a"))
    assert list(signed.urls[:3]) == [key, key, key]
    assert signed.urls[3] == url_key("id:s") and signed.urls[3] != signed.urls[4]


def test_no_batch_gives_nothing():
    assert list(signed_batches([])) == []
