"""helper + entry (level 6): a helper function holds the focus operation, the entry's loops call it.

Any depth-3 pattern is written with ``Draft.level == 6``, which makes ``value_of`` hoist the focus value
into the helper (``execgym.synth.patterns.value``); this module picks that pattern."""

from __future__ import annotations

MEANING = "the entry (control flow, depth 3) calls a helper that computes the focus value of one item"
SLOTS = ("inner pattern (any with depth 3)", "helper: the focus value of one item")
DEPTHS = (3,)
KINDS = None
