"""Progress bars for long operations: shown on a terminal, silent in logs and pipes."""

import sys
from collections.abc import Iterable
from typing import Any, TypeVar

from tqdm import tqdm

T = TypeVar("T")


def progress(iterable: Iterable[T], **kw: Any) -> Iterable[T]:
    bar: Iterable[T] = tqdm(iterable, disable=not sys.stderr.isatty(), **kw)
    return bar
