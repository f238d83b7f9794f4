"""Caps: the work a loop does for an item once what it has gathered may have reached a cap, written one of two
ways, as people write it: stop the loop (``if len(kept) >= limit: break`` before the work), or do the work only
while under the cap (``if len(kept) < limit:`` around it).

Contract: ``capped(d, reached)`` is a context manager for the statements that do an item's work; ``reached`` is
the test that holds once the cap is met (``len(kept) >= 3``), read before the work. In ``CAP_BREAK_SHARE`` of the
drafts it writes ``if <reached>: break`` and the work after it, in the others the work under
``if <not reached>:``; one ``d.rng.random()`` is drawn either way. With ``reached`` None it writes the work as it
is and draws nothing. Both forms add one level of control depth. They are not always the same program: under the
cap the loop goes on, so the work of other branches (an ``else`` beside the capped work) still runs for the items
after; each program is judged by the filters as it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from execgym.synth.patterns.base import Draft, negate

CAP_BREAK_SHARE = 0.4  # share of caps written as ``if <reached>: break`` (the others hold the work under the cap)


@contextmanager
def capped(d: Draft, reached: str | None) -> Iterator[None]:
    """The work written inside, once stopped by ``break`` at the cap, once held under it (see the module)."""
    if reached is None:
        yield
    elif d.rng.random() < CAP_BREAK_SHARE:
        with d.block(f"if {reached}:"):
            d.emit("break")
        yield
    else:
        with d.block(f"if {negate(reached)}:"):
            yield


def per_item_limit(d: Draft) -> str:
    """A ``limit`` parameter on a count that grows with every item (both branches add one): drawn up to one short
    of the longest input list (``Draft.items_high``), so some inputs reach it and others do not."""
    return d.limit(1, max(4, d.items_high - 1))
