"""The sandbox filter drops what it must, input variants run, mutation changes the program."""

from __future__ import annotations

import ast

import pytest

from execgym.engine.api import run
from execgym.synth import generate, input_variants, mutate
from execgym.synth.api import check_program
from execgym.synth.filters import apply_difficulty


def test_crash_is_dropped_with_its_reason():
    verdict = check_program("def f(x):\n    return x[10]\n", "f('abc')", {}, {})
    assert not verdict.accepted and "IndexError" in verdict.reason


def test_timeout_is_never_a_verdict():
    """A wall-clock timeout depends on load: it is retried, then raised -- never a silent rejection."""
    from execgym.synth import SynthesisError
    from execgym.synth.filters import FilterConfig

    with pytest.raises(SynthesisError, match="could not decide"):
        check_program("def f(x):\n    return sum(range(10 ** x))\n", "f(12)", {}, {},
                      FilterConfig(timeout=0.3, retry_timeouts=(0.6,)))
    # an endless loop is rejected by the deterministic step budget, not by the clock
    looping = "def f(x):\n    while x > 0:\n        x = x + 1\n    return x\n"
    verdict = check_program(looping, "f(1)", {}, {}, FilterConfig(timeout=0.5))
    assert not verdict.accepted and verdict.reason == "trace over budget"


def test_non_literal_result_is_dropped():
    verdict = check_program("def f(x):\n    return iter(x)\n", "f([1, 2])", {}, {})
    assert not verdict.accepted and "literal" in verdict.reason


def test_hash_seed_dependent_result_is_dropped():
    source = "def f(word):\n    letters = {word, 'alpha', 'beta', 'gamma', 'delta', 'omega'}\n    return list(letters)\n"
    verdict = check_program(source, "f('kappa')", {}, {})
    assert not verdict.accepted and "hash seed" in verdict.reason


def test_long_trace_is_dropped():
    from execgym.synth.filters import FilterConfig

    source = "def f(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n"
    assert check_program(source, "f(5)", {}, {}, FilterConfig(max_line_steps=50)).accepted
    assert not check_program(source, "f(100)", {}, {}, FilterConfig(max_line_steps=50)).accepted


def test_features_are_counted_from_the_trace():
    source = ("def f(items):\n    total = 0\n    for item in items:\n        if item > 2:\n"
              "            total += item\n    return total\n")
    verdict = check_program(source, "f([1, 2, 3, 4])", {"control_depth": 2}, {"int/+": 1})
    assert verdict.accepted and verdict.expected == 7
    features = verdict.features
    assert features["loop_iterations"] == 4 and features["branches"] == 4
    assert features["trace_length"] == 1 + 5 + 4 + 2 + 1  # total=, for x5, if x4, += x2, return
    assert features["lines"] == 6


def test_input_variants_run_ok_and_are_deterministic():
    program = generate(4, 99)
    calls = input_variants(program, 4, seed=3)
    assert len(calls) == 4 and len(set(calls)) == 4 and program.call not in calls
    assert calls == input_variants(program, 4, seed=3)
    for call in calls:
        node = ast.parse(call, mode="eval").body
        assert node.func.id == program.entry
        assert run(program.source, call).outcome == "ok"


def test_mutate_gives_a_filtered_variant():
    program = generate(3, 5)
    variant = mutate(program, 1)
    assert (variant.source, variant.call) != (program.source, program.call)
    assert variant.constraints["mutation"]
    assert variant == mutate(program, 1)
    result = run(variant.source, variant.call)
    assert result.outcome == "ok" and result.return_value == variant.expected


def test_difficulty_hook_keeps_hard_programs():
    programs = [generate(1, s) for s in (1, 2, 3)]
    kept = apply_difficulty(programs, lambda ps: [0, 5, 3], max_pass=3)
    assert [p.seed for p in kept] == [1, 3]
    assert kept[0].features["pass_count"] == 0
    with pytest.raises(ValueError):
        apply_difficulty(programs, lambda ps: [0])
