"""Language identification with langdetect: seeded (the same text always gives the same answer),
thread-safe, with the page's declared language as a prior.

langdetect's module-level factory loads its profiles lazily and without a lock; two threads
detecting at once can corrupt it. We build our own factory once, under a lock. Building it from
langdetect's 55 JSON profiles takes 1.4 s, most of an extraction worker's start-up, so its table is
cached once per machine as a numpy file (~/.cache/newsarchive, or $XDG_CACHE_HOME/newsarchive), which
loads in under 0.1 s; the same float64 values, so the same answers.

The declared language (the page's lang attribute, else the outlet's) is used three ways:
- as langdetect's own prior map (it starts with PRIOR_WEIGHT of the probability);
- it wins a close call: when langdetect still gives it CLOSE_CALL or more;
- it decides text too short for langdetect (under MIN_LETTERS letters), which samples the same few
  n-grams until it is sure and so overrides any prior («سوريا» alone comes out Urdu).
On a body of a few hundred characters the text outweighs a wrong declaration (templates often say
lang="en" on Arabic pages).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from importlib.metadata import version
from pathlib import Path

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from common.files import cache_dir
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


def _cache_paths() -> tuple[Path, Path]:
    """Where the profile table is cached, keyed by langdetect's version and its profile files."""
    key = hashlib.sha256(version("langdetect").encode())
    for name in sorted(os.listdir(PROFILES_DIRECTORY)):
        stat = os.stat(os.path.join(PROFILES_DIRECTORY, name))
        key.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    base = cache_dir()
    stem = f"langdetect-{key.hexdigest()[:16]}"
    return base / f"{stem}.npy", base / f"{stem}.txt"


def _read_cache(factory: DetectorFactory) -> bool:
    """Fill the factory from the cache; False when there is none or it does not fit (then it is rebuilt)."""
    try:
        table_path, names_path = _cache_paths()
        names = names_path.read_text(encoding="utf-8").split("\n")
        table = np.load(table_path, allow_pickle=False)
    except (OSError, ValueError, RuntimeError):
        return False
    langs, words = names[0].split(" "), names[1:]
    if (
        table.dtype != np.float64
        or table.shape != (len(words), len(langs))
        or len(set(words)) != len(words)
    ):
        return False
    factory.langlist = langs
    factory.word_lang_prob_map = {w: table[i] for i, w in enumerate(words)}
    factory.set_seed(SEED)
    return True


def _write_cache(factory: DetectorFactory) -> None:
    """Best effort, atomic (a concurrent reader sees the old state or the whole new file)."""
    words = list(factory.word_lang_prob_map)
    if any("\n" in w for w in words) or any(" " in lang for lang in factory.langlist):
        return
    try:
        table_path, names_path = _cache_paths()
    except (OSError, RuntimeError):  # no home directory: no cache, the same factory
        return
    suffix = f".{os.getpid()}.{threading.get_ident()}.tmp"
    tmp_table, tmp_names = Path(f"{table_path}{suffix}"), Path(f"{names_path}{suffix}")
    try:
        table_path.parent.mkdir(parents=True, exist_ok=True)
        table = (
            np.stack([factory.word_lang_prob_map[w] for w in words]) if words else np.zeros((0, 0))
        )
        with tmp_table.open("wb") as out:
            np.save(out, table, allow_pickle=False)
        tmp_names.write_text("\n".join([" ".join(factory.langlist), *words]), encoding="utf-8")
        os.replace(tmp_table, table_path)  # the table first: a reader checks it against the names
        os.replace(tmp_names, names_path)
    except OSError:  # not writable (a read-only home, a full disk): no cache, the same factory
        for tmp in (tmp_table, tmp_names):
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def _build() -> DetectorFactory:
    factory = _VectorFactory()
    if _read_cache(factory):
        return factory
    factory = _load(factory)
    factory.word_lang_prob_map = {w: np.array(p) for w, p in factory.word_lang_prob_map.items()}
    _write_cache(factory)
    return factory


def _get_factory() -> DetectorFactory:
    global _factory
    with _lock:
        if _factory is None:
            _factory = _build()
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
    if prior and sum(ch.isalpha() for ch in sample[: MIN_LETTERS * 4]) < MIN_LETTERS:
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
