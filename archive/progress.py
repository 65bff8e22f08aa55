"""Progress bars for long operations: shown on a terminal, silent in logs and pipes."""

import sys

from tqdm import tqdm


def progress(iterable, **kw):
    return tqdm(iterable, disable=not sys.stderr.isatty(), **kw)
