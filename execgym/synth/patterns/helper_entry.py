"""helper + entry (level 6): a helper function holds the focus operation, the entry's loops call it.

``render`` writes one of the depth-3 patterns with ``Draft.level == 6``, which makes ``value_of`` hoist the
first focus value into a helper ``verb_item(item)`` (``execgym.synth.patterns.value``); the entry keeps the
control flow (depth 3) and calls the helper."""

from __future__ import annotations

from execgym.synth.patterns.base import Draft, Unfit

MEANING = "the entry (control flow, depth 3) calls a helper that computes the focus value of one item"
SLOTS = ("inner pattern (any with depth 3)", "helper: the focus value of one item")
DEPTHS = (3,)
KINDS = None


def render(d: Draft, depth: int) -> None:
    from execgym.synth.patterns import module, owner, patterns_for

    inner = patterns_for(depth)
    d.inner = owner(d.focus.name, depth) or inner[d.rng.randrange(len(inner))]
    if d.level != 6:
        raise Unfit("helper + entry is the level-6 configuration")
    module(d.inner).render(d, depth)
