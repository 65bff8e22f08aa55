"""Deduplication: canonical URLs, Arabic-normalised content hashes, MinHash LSH near-duplicates, revisions."""

from common.values import Number

# Tuned on the labelled set in tests/dedup (`python bench/eval_dedup.py` sweeps it): duplicate pairs
# there score 0.73 and up (one copy lost a paragraph, another gained one), different stories sharing a
# lead paragraph 0.31 at most; precision and recall are 1.0 from 0.2 to 0.8. 0.5 sits mid-gap.
THRESHOLD = 0.5


THRESHOLD_KIND = Number(0.0, 1.0, low_open=True)  # NEWSARCHIVE_DEDUP_THRESHOLD, `dedup --threshold`


def check_threshold(value: float | str) -> float:
    """The near-duplicate threshold as a float in (0, 1], or ValueError (BadValue) saying what is expected."""
    if isinstance(value, str):
        return THRESHOLD_KIND.parse(value)
    return THRESHOLD_KIND.check(float(value))
