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
