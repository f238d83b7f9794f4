"""Reward adapters for verl and TRL, sharing :func:`execgym.training.hooks.score_response`.

Contract: neither function raises for anything a model wrote (an odd completion scores 0 with a counted
reason). A missing or malformed label in the first batch a process scores raises
:class:`~execgym.training.hooks.LabelError` naming the column (see :func:`execgym.training.hooks.check_first_batch`);
after that, odd labels score 0 with a counted reason.

* :func:`verl_compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs)` —
  verl's custom reward function (``reward.custom_reward_function.path/name``). ``ground_truth`` is
  the task spec (JSON text or dict; falls back to ``extra_info["spec"|"label"|"task"]``).
  Returns ``{"score": reward, "acc": score in [0, 1], "outcome_<o>": 0/1, "invalid": 0/1}``, numbers
  only, the same keys every call.
* :func:`trl_reward(prompts, completions, **kwargs)` — a ``reward_funcs`` entry for TRL's
  ``GRPOTrainer``: dataset columns arrive as keyword lists; the spec column is ``spec`` (or
  ``label``/``task``). Completions may be strings or chat message lists. Returns ``list[float]``.

Both verify where ``EXECGYM_REWARD_URL`` / ``EXECGYM_RAY_ADDRESS`` say (in this process when neither is set;
see :mod:`execgym.serve.route`).
"""

from __future__ import annotations

from typing import Any

from execgym.training.hooks import (
    OUTCOMES,
    HookScore,
    check_first_batch,
    score_response,
    score_responses,
    strip_end_markers,
)

SPEC_COLUMNS = ("spec", "label", "task")


def _verl_dict(scored: HookScore) -> dict[str, float]:
    out: dict[str, float] = {"score": float(scored.reward), "acc": float(scored.score)}
    for outcome in OUTCOMES:
        out[f"outcome_{outcome}"] = 1.0 if scored.outcome == outcome else 0.0
    out["invalid"] = 0.0 if scored.reason == "ok" else 1.0
    return out


def verl_compute_score(
    data_source: Any = None,
    solution_str: Any = None,
    ground_truth: Any = None,
    extra_info: Any = None,
    **kwargs: Any,
) -> dict[str, float]:
    """verl custom reward: score ``solution_str`` (the response only) against the task spec."""
    label = ground_truth
    if (label is None or label == "") and isinstance(extra_info, dict):
        for key in SPEC_COLUMNS:
            if extra_info.get(key) not in (None, ""):
                label = extra_info[key]
                break
    check_first_batch("verl", [label])
    response = strip_end_markers(solution_str) if isinstance(solution_str, str) else solution_str
    return _verl_dict(score_response(label, response))


def completion_text(completion: Any) -> Any:
    """Text of a TRL completion: a string, or the last assistant message of a message list."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        for message in reversed(completion):
            if isinstance(message, dict) and message.get("role", "assistant") == "assistant":
                content = message.get("content")
                if isinstance(content, list):  # multimodal-style content parts
                    content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
                return content
    if isinstance(completion, dict):
        return completion.get("content")
    return completion


def trl_scores(prompts: Any, completions: Any, **kwargs: Any) -> list[HookScore]:
    """Score every completion against its row's spec column; never raises."""
    items = list(completions) if isinstance(completions, (list, tuple)) else []
    specs: list[Any] = [None] * len(items)
    found = False
    for key in SPEC_COLUMNS:
        column = kwargs.get(key)
        if isinstance(column, (list, tuple)) and len(column) == len(items):
            specs, found = list(column), True
            break
    given = sorted(k for k in kwargs if k not in ("completion_ids", "trainer_state"))
    check_first_batch("trl", specs, column_given=found, columns=given)
    texts = [completion_text(c) for c in items]
    return score_responses(specs, [strip_end_markers(t) if isinstance(t, str) else t for t in texts])


def trl_reward(prompts: Any = None, completions: Any = None, **kwargs: Any) -> list[float]:
    """TRL ``reward_funcs`` callable: execgym's reward per completion."""
    return [s.reward for s in trl_scores(prompts, completions, **kwargs)]
