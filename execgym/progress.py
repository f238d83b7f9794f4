"""Progress on stderr for long commands: a tqdm bar when tqdm is installed, else a plain counter.

Contract: ``progress_bar(total, desc, unit=..., enabled=True)`` returns an object with ``update(n=1)``,
``set_postfix(**kw)`` and ``close()`` (also a context manager). Disabled, it does nothing. Without tqdm (it
comes with the ``eval`` extra) it rewrites one ``desc: done/total`` line on stderr at most every
``interval`` seconds (and always at the end), so a command is never silent for long and a log stays short.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class _Null:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class CounterBar(_Null):
    """The fallback: ``desc: done/total unit`` on one stderr line, throttled."""

    def __init__(self, total: int, desc: str, unit: str = "it", file: TextIO | None = None,
                 interval: float = 0.5) -> None:
        self.total, self.desc, self.unit, self.done = total, desc, unit, 0
        self.file = file if file is not None else sys.stderr
        self.interval, self._last, self._postfix, self._closed = interval, 0.0, "", False
        self._started = time.monotonic()
        self._show(force=True)

    def _show(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        elapsed = now - self._started
        line = f"\r{self.desc}: {self.done}/{self.total} {self.unit} [{elapsed:.0f}s]{self._postfix}"
        print(line, end="", file=self.file, flush=True)

    def update(self, n: int = 1) -> None:
        self.done += n
        self._show(force=self.done >= self.total)

    def set_postfix(self, *args: Any, refresh: bool = True, **kwargs: Any) -> None:
        self._postfix = (" " + ", ".join(f"{k}={v}" for k, v in kwargs.items())) if kwargs else ""

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._show(force=True)
            print(file=self.file, flush=True)


def progress_bar(total: int, desc: str, *, unit: str = "it", enabled: bool = True,
                 file: TextIO | None = None) -> Any:
    """A progress bar for ``total`` steps (see the module docstring)."""
    if not enabled or total <= 0:
        return _Null()
    try:
        from tqdm import tqdm
    except ImportError:
        return CounterBar(total, desc, unit, file)
    return tqdm(total=total, desc=desc, unit=unit, file=file if file is not None else sys.stderr,
                dynamic_ncols=True, smoothing=0.05)
