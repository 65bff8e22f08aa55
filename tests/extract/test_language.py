from concurrent.futures import ThreadPoolExecutor

from extract.language import detect_language

ARABIC = "قال محمد علوش المسؤول السياسي في جماعة جيش الإسلام في سوريا يوم الجمعة إن جماعته لا تريد إغلاق باب المفاوضات"


def test_language_is_deterministic_and_thread_safe():
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(detect_language, [ARABIC] * 64))
    assert set(results) == {"ar"}


def test_prior_decides_empty_text():
    assert detect_language("", prior="ar") == "ar"
    assert detect_language("12345 678", prior="ar") == "ar"


def test_vector_detector_gives_langdetects_own_probabilities():
    """The numpy detector is a speed-up only: the same ranked probabilities as stock langdetect."""
    from langdetect.detector_factory import DetectorFactory

    from extract.language import SAMPLE_CHARS, _get_factory, _load
    from replica.server import Replica

    texts = [" ".join(a.story_lines)[:SAMPLE_CHARS] for a in Replica(per_outlet=8).catalog.all()]
    texts += [
        "The quick brown fox jumps over the lazy dog near the river bank.",
        "Le gouvernement a annoncé de nouvelles mesures pour soutenir les entreprises.",
        "این یک متن کوتاه به زبان فارسی است که برای آزمایش نوشته شده است",
        "یہ اردو زبان میں لکھا گیا ایک مختصر جملہ ہے جو جانچ کے لیے ہے",
    ]
    stock, ours = _load(DetectorFactory()), _get_factory()

    def ranked(factory, text):
        detector = factory.create()
        detector.append(text)
        return [(x.lang, round(float(x.prob), 9)) for x in detector.get_probabilities()]

    assert [ranked(ours, t) for t in texts] == [ranked(stock, t) for t in texts]
    assert [ranked(ours, t)[0][0] for t in texts[-4:]] == ["en", "fr", "fa", "ur"]


def test_declared_language_is_a_prior_not_a_verdict():
    """A template's wrong lang attribute loses to a body in another language; on text too short to
    decide, the declared language settles it."""
    assert detect_language(ARABIC, prior="en") == "ar"
    assert detect_language("Damas", prior="fr") == "fr"


def test_profile_table_cache_gives_the_same_table_and_a_bad_cache_is_rebuilt(tmp_path, monkeypatch):
    """The cached table (what makes an extraction worker start in 0.2 s instead of 1.5 s) holds exactly
    the values built from langdetect's profiles; a damaged cache file is rebuilt, never trusted."""
    import numpy as np

    from extract.language import _build, _cache_paths

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    table, names = _cache_paths()
    assert not table.exists()
    built = _build()  # from the profiles; writes the cache
    assert table.exists() and names.exists()
    cached = _build()
    assert cached.langlist == built.langlist and cached.seed == built.seed == 0
    assert list(cached.word_lang_prob_map) == list(built.word_lang_prob_map)
    assert all(
        np.array_equal(cached.word_lang_prob_map[w], v)
        and cached.word_lang_prob_map[w].dtype == np.float64
        for w, v in built.word_lang_prob_map.items()
    )
    text = "أعلنت الحكومة عن إجراءات جديدة لدعم الشركات الصغيرة في المدن الكبرى"

    def ranked(factory):
        detector = factory.create()
        detector.append(text)
        return [(x.lang, x.prob) for x in detector.get_probabilities()]

    ranked = [ranked(built), ranked(cached)]
    assert ranked[0] == ranked[1] and ranked[0][0][0] == "ar"

    for damage in (b"not a numpy file", table.read_bytes()[:1000]):
        table.write_bytes(damage)
        rebuilt = _build()
        assert len(rebuilt.word_lang_prob_map) == len(built.word_lang_prob_map)
        assert np.load(table, allow_pickle=False).shape == (
            len(built.word_lang_prob_map),
            len(built.langlist),
        )
    names.write_text("pl gu\nonly a word", encoding="utf-8")  # names that do not fit the table
    assert len(_build().word_lang_prob_map) == len(built.word_lang_prob_map)
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("x")
    monkeypatch.setenv(
        "XDG_CACHE_HOME", str(blocked)
    )  # no cache can be written: the same factory, built
    assert len(_build().word_lang_prob_map) == len(built.word_lang_prob_map)
    assert blocked.read_text() == "x"
