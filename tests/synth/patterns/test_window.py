"""sliding window (execgym.synth.patterns.window): the start and sum of the best window of ``size`` items."""

from __future__ import annotations

import pytest

from execgym.synth.patterns import module

DEPTHS = module("window").DEPTHS


@pytest.mark.parametrize("depth", DEPTHS)
def test_the_best_window_starts_inside_the_items(drafts_of, depth):
    for r in drafts_of("window", depth):
        for args, got in r.ok:
            start, total = got
            assert type(start) is int and 0 <= start < max(1, len(args[0])), (r.source, args, got)
            assert isinstance(total, (int, float)), (r.source, args, got)


@pytest.mark.parametrize("depth", DEPTHS)
def test_the_window_size_is_an_argument(drafts_of, depth):
    drafts = drafts_of("window", depth)
    for r in drafts:
        assert "size" in [p.name for p in r.draft.params], r.source
    varied = [r for r in drafts if len({repr(x) for _, x in r.ok}) > 1]  # the filter drops the others
    assert len(varied) >= 0.7 * len(drafts)
