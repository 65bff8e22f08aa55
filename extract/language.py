"""Language identification with langdetect, deterministic (fixed seed) and thread-safe.

langdetect's module-level factory loads its profiles lazily and without a lock; two threads
detecting at once can corrupt it. We build our own factory once, under a lock.
"""

from __future__ import annotations

import threading

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

SEED = 0
SAMPLE_CHARS = 2000
_lock = threading.Lock()
_factory: DetectorFactory | None = None


def _get_factory() -> DetectorFactory:
    global _factory
    with _lock:
        if _factory is None:
            factory = DetectorFactory()
            factory.load_profile(PROFILES_DIRECTORY)
            factory.set_seed(SEED)
            _factory = factory
    return _factory


def detect_language(text: str, prior: str | None = None) -> str:
    """ISO 639-1 code of `text`; the page's lang attribute (prior) wins close calls and empty text."""
    detector = _get_factory().create()
    detector.append(text[:SAMPLE_CHARS])
    try:
        ranked = detector.get_probabilities()
    except LangDetectException:
        return prior or "und"
    if not ranked:
        return prior or "und"
    best = ranked[0]
    if prior and best.lang != prior:
        for cand in ranked:
            if cand.lang == prior and cand.prob >= 0.2:
                return prior
    return best.lang
