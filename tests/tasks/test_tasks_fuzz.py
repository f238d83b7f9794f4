"""Random and adversarial responses and specs never make scoring raise; every Score explains itself."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from execgym.tasks import OUTCOMES, make_task, score, score_batch

EXEC_FREE = ("ExecNext-v0", "ExecVar-v0", "ExecIO-v0")


def _check(s, spec=None):
    assert s.outcome in OUTCOMES
    assert isinstance(s.reason, str) and s.reason
    assert 0.0 <= s.reward <= s.max_reward
    for d in s.details:
        assert {"question", "expected", "parsed", "correct", "reason"} <= set(d)


fragments = st.sampled_from(
    ["<answer>", "</answer>", "\n", "```", "```python", "assert ", "f(", ")", "[", "]", "{", "}", "==", ";",
     " int", "Nil", "-1", "7", "'", '"', "\\", "\x00", "\ud800", "é", "(((", "]]]]", "lambda", " or True"]
)
responses = st.one_of(
    st.text(max_size=400),
    st.lists(fragments, max_size=60).map("".join),
    st.binary(max_size=200),
    st.lists(st.one_of(fragments, st.text(max_size=10)), max_size=40).map(
        lambda parts: "<answer>\n" + "".join(parts) + "\n</answer>"
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(response=responses, env=st.sampled_from(EXEC_FREE))
def test_random_responses_never_raise(loop_specs, response, env):
    _check(score(loop_specs[env], response))


@pytest.mark.parametrize(
    "response",
    [
        "",
        None,
        12345,
        b"\xff\xfe<answer>\x00</answer>",
        "x" * 3_000_000,
        "<answer>" * 100_000,
        "<answer>\n" + "[" * 100_000 + "\n</answer>",
        "<answer>\n" + "(" * 5000 + ")" * 5000 + "\n</answer>",
        "<answer>\n" + "\n".join(["-1"] * 200_000) + "\n</answer>",
        "<answer>\nassert f([1, 5, 7], 3) == " + "[" * 3000 + "\n</answer>",
        "<answer>\nassert f([1, 5, 7], 3) == '" + "a" * 1_000_000 + "'\n</answer>",
        "<answer>\n\udcff\ud800\n</answer>",
        "<answer></answer>",
        "</answer><answer>",
    ],
)
@pytest.mark.parametrize("env", ("ExecNext-v0", "ExecVar-v0", "ExecIO-v0", "ExecOI-v0"))
def test_adversarial_responses_never_raise(loop_specs, env, response):
    s = score(loop_specs[env], response)
    _check(s)
    assert s.reward == 0.0


@pytest.mark.parametrize(
    "spec",
    [None, "", "{", "[]", 5, {}, {"env": "Nope-v0"}, {"env": "ExecIO-v0"}, {"env": "ExecIO-v0", "level": 99, "seed": 1},
     {"env": "ExecIO-v0", "level": 1, "seed": "x"}, {"env": "ExecIO-v0", "program": {}},
     {"env": "ExecIO-v0", "level": 1, "seed": 1, "options": {"bogus": 1}},
     {"env": "ExecIO-v0", "program": {"source": "def f(): pass", "entry": "f", "call": "f()"}, "expected": "f()"}],
)
def test_bad_specs_score_as_error(spec):
    s = score(spec, "<answer>\n1\n</answer>")
    assert s.outcome == "error" and s.reward == 0.0 and s.reason


def test_make_task_raises_typed_errors():
    with pytest.raises(ValueError):
        make_task({"env": "Nope-v0", "level": 1, "seed": 0})
    with pytest.raises(TypeError):
        make_task({"env": "ExecIO-v0", "level": 1, "seed": 0, "options": {"bogus": True}})
    with pytest.raises(ValueError):
        make_task({"env": "ExecIO-v0", "level": 1, "seed": 0, "options": {"reward": "huge"}})


def test_score_batch_mixed(loop_specs):
    specs = [loop_specs[e] for e in ("ExecIO-v0", "ExecOI-v0", "ExecNext-v0", "ExecOI-v0")] + [{"env": "x"}]
    gold = [make_task(s).gold_response() for s in specs[:4]]
    responses = gold[:3] + ["<answer>\nassert f([0], 0) == 23\n</answer>", "junk"]
    out = score_batch(specs, responses)
    assert [s.outcome for s in out] == ["correct", "correct", "correct", "wrong", "error"]
    for s in out:
        _check(s)


def test_ascore_matches_score(loop_specs):
    import asyncio

    from execgym.tasks import ascore

    async def main():
        specs = [loop_specs["ExecIO-v0"], loop_specs["ExecOI-v0"]]
        return await asyncio.gather(*(ascore(s, make_task(s).gold_response()) for s in specs))

    assert [s.outcome for s in asyncio.run(main())] == ["correct", "correct"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(response=responses, args=st.lists(st.one_of(st.integers(), st.text(max_size=5), st.none()), max_size=3))
def test_random_oi_answers_never_raise(loop_specs, response, args):
    spec = loop_specs["ExecOI-v0"]
    _check(score(spec, response))
    arg_text = ", ".join(repr(a) for a in args)
    _check(score(spec, f"<answer>\nassert f({arg_text}) == 23\n</answer>"))
