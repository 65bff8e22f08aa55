"""The Arabic stemmers a segment's stemmed form can be made with, by name, and which one it is.

`CHOSEN` is the one segments are built with: picked on the judged query set (tests/search/judged.json)
by bench/bench_stemmers.py, which prints recall@10 and precision@10 of every candidate here (the
figures: docs/benchmarks.md). The others are candidates only: their packages are in the dev group, not
the product's dependencies, and are imported when asked for.

Each stemmer gets one word as search/text.py hands it over: NFKC, marks dropped (tanween fath and its
alef already taken off as the accusative ending), letters as written (hamza on alef, ة and ى
unfolded, so each stemmer's own rules see them); text.py folds what it returns. A segment
names its stemmer by what it does, not by a package version (search/text.py `Analyzer.identity`: the
name and a digest of the forms it makes of `PROBE`), so a segment whose stemmer now stems differently
is known for what it is and built again, and one that stems the same is not.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from common.errors import NewsArchiveError

CHOSEN = "light10"
# name -> (what it is, the package it comes from)
CANDIDATES: dict[str, tuple[str, str]] = {
    "light10": ("Light10 (Larkey et al. 2007), search/text.py", "newsarchive"),
    "arlstem": ("ARLSTem (Abainia et al. 2017), nltk.stem.arlstem", "nltk"),
    "arlstem2": ("ARLSTem 2 (Abainia & Rebbani 2021), nltk.stem.arlstem2", "nltk"),
    "isri": ("ISRI root stemmer (Taghva et al. 2005), nltk.stem.isri", "nltk"),
    "snowball-nltk": ("Snowball Arabic, NLTK's port, nltk.stem.snowball", "nltk"),
    "snowball": ("Snowball Arabic, the Snowball project's own (C)", "PyStemmer"),
    "tashaphyne": ("Tashaphyne light stemmer, tashaphyne.stemming", "tashaphyne"),
}
# words whose stems name a stemmer's behaviour: clitics, articles, duals, plurals, feminine, possessives,
# verb prefixes and suffixes, broken plurals, hamza and alef maqsura, short words
PROBE = (
    "والحكومة الحكومية بالحكومات للحكومتين حكومتها وسيقولون فسيكتبونها يتفاوضان والمفاوضات "
    "المفاوضين للمدنيين المدنيون مدينتهم الأطفال وبالأطفال كالأسد فالإعلام الإعلامية مؤسساتنا "
    "أسلحتهم السلاح استعدادها مستشفى المستشفيات قرارات القرى روسيا الروسية سوريين دوما دوم من في "
    "على إلى أن الذي التي تقدموا يقدمون ستقدم نقدم قدمناه لتسليم تسليمها اتفاقين اتفاقات هيئة "
    "مسؤولون المسؤولة بيان البيانات كتابهما كتابكم كتابكن فصائل فصيلي مقاتليه آلاف أخرى مرحلة "
    "دوماً اتفاقًا Children negotiations studies 2026 ١٢٣"
)


class StemmerUnavailable(NewsArchiveError):
    reason = "stemmer_unavailable"


def load(name: str) -> Callable[[str], str]:
    """The stemmer called `name`: one word in, its stem out (maybe the word itself)."""
    if name not in CANDIDATES:
        raise StemmerUnavailable(f"no stemmer {name!r}; give one of {', '.join(CANDIDATES)}")
    try:
        return _load(name)
    except ImportError as exc:
        package = CANDIDATES[name][1]
        raise StemmerUnavailable(
            f"the stemmer {name} needs the package {package}, which is not installed ({exc}); "
            "`make setup` installs the candidates with the dev tools"
        ) from None


@cache
def _load(name: str) -> Callable[[str], str]:
    if name == "light10":
        from search.text import light10

        return light10
    if name in ("arlstem", "arlstem2", "isri", "snowball-nltk"):
        import importlib

        module, cls = {
            "arlstem": ("nltk.stem.arlstem", "ARLSTem"),
            "arlstem2": ("nltk.stem.arlstem2", "ARLSTem2"),
            "isri": ("nltk.stem.isri", "ISRIStemmer"),
            "snowball-nltk": ("nltk.stem.snowball", "ArabicStemmer"),
        }[name]
        stemmer = getattr(importlib.import_module(module), cls)()
        return lambda word: stemmer.stem(word) or word
    if name == "snowball":
        import Stemmer  # PyStemmer

        snowball = Stemmer.Stemmer("arabic")
        return lambda word: snowball.stemWord(word) or word
    from tashaphyne.stemming import ArabicLightStemmer

    light = ArabicLightStemmer()
    return lambda word: light.light_stem(word) or word
