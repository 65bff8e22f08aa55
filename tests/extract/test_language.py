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


def _texts() -> list[str]:
    from replica.server import Replica

    texts = [" ".join(a.story_lines) for a in Replica(per_outlet=8).catalog.all()]
    return texts + [
        "The quick brown fox jumps over the lazy dog near the river bank.",
        "Le gouvernement a annoncé de nouvelles mesures pour soutenir les entreprises.",
        "این یک متن کوتاه به زبان فارسی است که برای آزمایش نوشته شده است",
        "یہ اردو زبان میں لکھا گیا ایک مختصر جملہ ہے جو جانچ کے لیے ہے",
        "سوريا",
        "Damas",
        "12345 678 http://example.com/a mail@example.com",
        "",
    ]


def test_our_detector_gives_langdetects_own_probabilities():
    """langdetect-rs is a speed-up only: with and without a prior, every probability (and every
    failure) is stock langdetect's, on the replica's stories and texts in other scripts."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
    from langdetect.lang_detect_exception import LangDetectException as StockError
    from langdetect_rs import LangDetectException

    from extract.language import SAMPLE_CHARS, SEED, _prior_map, load_factory

    stock, ours = DetectorFactory(), load_factory()
    stock.load_profile(PROFILES_DIRECTORY)
    stock.set_seed(SEED)
    assert ours.langlist == stock.langlist and len(ours.langlist) == 55

    def ranked(factory, text, prior):
        detector = factory.create()
        if prior:
            detector.set_prior_map(_prior_map(factory.langlist, prior))
        detector.append(text[:SAMPLE_CHARS])
        try:
            return [(x.lang, x.prob) for x in detector.get_probabilities()]
        except (LangDetectException, StockError) as exc:
            return str(exc)

    texts = _texts()
    for prior in (None, "ar", "en", "ur"):
        assert [ranked(ours, t, prior) for t in texts] == [ranked(stock, t, prior) for t in texts]
    assert [ranked(ours, t, None)[0][0] for t in texts[-8:-4]] == ["en", "fr", "fa", "ur"]
    assert ranked(ours, "", None) == "No features in text."


def test_declared_language_is_a_prior_not_a_verdict():
    """A template's wrong lang attribute loses to a body in another language; on text too short to
    decide, the declared language settles it."""
    assert detect_language(ARABIC, prior="en") == "ar"
    assert detect_language("Damas", prior="fr") == "fr"
