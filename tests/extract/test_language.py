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
    texts += ["The quick brown fox jumps over the lazy dog near the river bank.",
              "Le gouvernement a annoncé de nouvelles mesures pour soutenir les entreprises.",
              "این یک متن کوتاه به زبان فارسی است که برای آزمایش نوشته شده است",
              "یہ اردو زبان میں لکھا گیا ایک مختصر جملہ ہے جو جانچ کے لیے ہے"]
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
