"""Deduplication: canonical URLs, Arabic-normalised content hashes, MinHash LSH near-duplicates, revisions."""

# Tuned on the labelled set in tests/dedup (`python bench/eval_dedup.py` sweeps it): duplicate pairs
# there score 0.73 and up (one copy lost a paragraph, another gained one), different stories sharing a
# lead paragraph 0.31 at most; precision and recall are 1.0 from 0.2 to 0.8. 0.5 sits mid-gap.
THRESHOLD = 0.5


def check_threshold(value: float | str) -> float:
    """The near-duplicate threshold as a float in (0, 1], or ValueError saying what is expected."""
    try:
        threshold = float(value)
    except ValueError:
        threshold = float("nan")
    if not 0 < threshold <= 1:
        raise ValueError(
            f"the near-duplicate threshold must be a number in (0, 1], e.g. {THRESHOLD}; got {value!r}"
        )
    return threshold
