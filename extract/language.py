"""Language identification with langdetect: seeded (the same text always gives the same answer),
thread-safe, with the page's declared language as a prior.

langdetect's algorithm and profiles run in langdetect-rs, its Rust port, which reproduces langdetect
1.0.9's random walk bit for bit (the same Mersenne Twister, smoothing and floating-point operations in
the same order) over the same 55 profiles (built in, loaded in the order langdetect loads them), at a
small part of langdetect's cost (bench/bench_extraction.py's profile); tests/extract/test_language.py
checks every probability against langdetect itself.

The declared language (the page's lang attribute, else the outlet's) is used three ways:
- as langdetect's own prior map (it starts with PRIOR_WEIGHT of the probability);
- it wins a close call: when langdetect still gives it CLOSE_CALL or more;
- it decides text too short for langdetect (under MIN_LETTERS letters), which samples the same few
  n-grams until it is sure and so overrides any prior («سوريا» alone comes out Urdu).
On a body of a few hundred characters the text outweighs a wrong declaration (templates often say
lang="en" on Arabic pages).
"""

from __future__ import annotations

import threading
from functools import lru_cache

from langdetect_rs import PROFILES_DIRECTORY, DetectorFactory, LangDetectException

from extract.sanitize import primary_language

SEED = 0
# langdetect has settled well before this many characters; its cost grows with the sample
SAMPLE_CHARS = 600
PRIOR_WEIGHT = 0.5
CLOSE_CALL = 0.2
MIN_LETTERS = 40
_lock = threading.Lock()
_factory: DetectorFactory | None = None


def load_factory() -> DetectorFactory:
    """The detector factory with langdetect's profiles, seeded; built once per process (a worker
    calls this before it says it is ready)."""
    global _factory
    with _lock:
        if _factory is None:
            factory = DetectorFactory()
            factory.load_profile(PROFILES_DIRECTORY)
            factory.set_seed(SEED)
            _factory = factory
    return _factory


def _prior_map(langs: list[str], prior: str) -> dict[str, float]:
    rest = (1 - PRIOR_WEIGHT) / (len(langs) - 1)
    return {lang: PRIOR_WEIGHT if lang == prior else rest for lang in langs}


@lru_cache(maxsize=64)
def _prior_vector(prior: str) -> tuple[float, ...]:
    """The detector's prior probabilities for `prior`, as `Detector.set_prior_map(_prior_map(...))`
    leaves them (normalised, in the profiles' order): worked out once per language, not per page."""
    detector = load_factory().create()
    detector.set_prior_map(_prior_map(detector.langlist, prior))
    return tuple(detector.prior_map)


def detect_language(text: str, prior: str | None = None) -> str:
    """ISO 639-1 code of `text` (langdetect's zh-cn/zh-tw as they are); "und" when undecidable. The
    caller makes the answer a canonical BCP 47 tag (extract.sanitize.article_language: «zh-CN»)."""
    factory = load_factory()
    prior = primary_language(prior)  # a prior that is not a language tag is no prior
    sample = text[:SAMPLE_CHARS]
    if prior and sum(map(str.isalpha, sample[: MIN_LETTERS * 4])) < MIN_LETTERS:
        return prior
    detector = factory.create()
    if prior and prior in factory.langlist:
        detector.prior_map = list(_prior_vector(prior))
    detector.append(sample)
    try:
        ranked = detector.get_probabilities()
    except LangDetectException:
        return prior or "und"
    if not ranked:
        return prior or "und"
    if prior and any(c.lang == prior and c.prob >= CLOSE_CALL for c in ranked):
        return prior
    lang: str = ranked[0].lang
    return lang
