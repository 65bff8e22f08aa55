"""Language identification with langdetect: seeded (the same text always gives the same answer),
thread-safe, with the page's declared language as a prior.

langdetect's module-level factory loads its profiles lazily and without a lock; two threads
detecting at once can corrupt it. We build our own factory once, under a lock.

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

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from extract.sanitize import primary_language

SEED = 0
# langdetect has settled well before this many characters; its cost grows with the sample
SAMPLE_CHARS = 600
PRIOR_WEIGHT = 0.5
CLOSE_CALL = 0.2
MIN_LETTERS = 40
_lock = threading.Lock()
_factory: DetectorFactory | None = None


class _VectorDetector(Detector):  # type: ignore[misc]  # langdetect has no type hints
    """langdetect's Detector with its loops over the 55 languages done as numpy vector operations.
    Same arithmetic in the same order per language (the normalising sum stays Python's left-to-right
    sum), so the same probabilities; tests/extract/test_language.py compares it with the original."""

    def _init_probability(self) -> np.ndarray:
        return np.array(super()._init_probability())

    def _update_lang_prob(self, prob: np.ndarray, word: str, alpha: float) -> bool:
        vector = self.word_lang_prob_map.get(word)
        if vector is None:
            return False
        prob *= alpha / self.BASE_FREQ + vector
        return True

    def _normalize_prob(self, prob: np.ndarray) -> float:
        prob /= sum(prob.tolist())
        return float(prob.max())


class _VectorFactory(DetectorFactory):  # type: ignore[misc]  # langdetect has no type hints
    def _create_detector(self) -> _VectorDetector:
        return _VectorDetector(self)


def _load(factory: DetectorFactory) -> DetectorFactory:
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(SEED)
    return factory


def _get_factory() -> DetectorFactory:
    global _factory
    with _lock:
        if _factory is None:
            factory = _load(_VectorFactory())
            factory.word_lang_prob_map = {w: np.array(p) for w, p in factory.word_lang_prob_map.items()}
            _factory = factory
    return _factory


def _prior_map(langs: list[str], prior: str) -> dict[str, float]:
    rest = (1 - PRIOR_WEIGHT) / (len(langs) - 1)
    return {lang: PRIOR_WEIGHT if lang == prior else rest for lang in langs}


def detect_language(text: str, prior: str | None = None) -> str:
    """ISO 639-1 code of `text` (langdetect's zh-cn/zh-tw as they are); "und" when undecidable. The
    caller makes the answer a canonical BCP 47 tag (extract.sanitize.article_language: «zh-CN»)."""
    factory = _get_factory()
    prior = primary_language(prior)  # a prior that is not a language tag is no prior
    sample = text[:SAMPLE_CHARS]
    if prior and sum(ch.isalpha() for ch in sample[:MIN_LETTERS * 4]) < MIN_LETTERS:
        return prior
    detector = factory.create()
    if prior and prior in factory.langlist:
        detector.set_prior_map(_prior_map(factory.langlist, prior))
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
