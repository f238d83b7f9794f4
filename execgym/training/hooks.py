"""Shared, never-raising scoring used by every trainer hook (OpenRLHF, verl, TRL).

Contract:

* :func:`extract_response(query, prompt)` returns the model's response from OpenRLHF's decoded
  ``query`` (prompt + response, special tokens kept): the prompt prefix is cut, then trailing
  end-of-turn / padding markers. When the prompt is not a prefix (left truncation) the text after the
  last assistant header is used; failing that the whole query, flagged ``prompt_not_prefix``.
* :func:`parse_label(label)` turns a label (task-spec JSON text or dict) into a spec dict or a reason.
* :func:`score_response(label, response)` returns a :class:`HookScore` and never raises: anything odd
  scores 0 with a reason from :data:`REASONS`.
* :func:`score_responses(labels, responses)` is the same for many at once, verified in one batch where
  ``EXECGYM_REWARD_URL`` / ``EXECGYM_RAY_ADDRESS`` say (see :mod:`execgym.serve.route`).
* :func:`log_counts(hook_scores)` turns scores into a fixed-key dict of floats (fractions per outcome
  and per reason), the same keys on every call so trainers can stack them.
* :func:`check_first_batch(trainer, labels)` raises :class:`LabelError` (logged at ERROR too) when any label of
  the first batch a process sees is missing or is not a task spec, naming the column the export wrote
  (:data:`LABEL_COLUMNS`): a wrong column mapping fails at once instead of training on silent zeros. Once a
  first batch passed, later odd labels score 0 with a counted reason as above. Model responses never raise.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("execgym.training.hooks")

# End-of-turn, end-of-text and padding markers of the common chat templates, as decoded text.
EOS_MARKERS: tuple[str, ...] = (
    "<|im_end|>",
    "<|endoftext|>",
    "<|end_of_text|>",
    "<|eot_id|>",
    "<|end|>",
    "<end_of_turn>",
    "</s>",
    "<eos>",
    "<|eos|>",
    "<pad>",
    "<|pad|>",
)

# Assistant headers a generation prompt ends with, used only when the prompt is not a prefix.
ASSISTANT_HEADERS: tuple[str, ...] = (
    "<|im_start|>assistant\n",
    "<|start_header_id|>assistant<|end_header_id|>\n\n",
    "<start_of_turn>model\n",
    "<|assistant|>\n",
    "Assistant:",
)

OUTCOMES: tuple[str, ...] = ("correct", "partial", "wrong", "format_error", "timeout", "error")

# Why a hook scored something 0 without the verifier's say-so (plus "ok" when the verifier decided).
REASONS: tuple[str, ...] = (
    "ok",
    "label_missing",  # None or empty label
    "label_not_json",  # text that is not JSON
    "label_not_object",  # JSON that is not an object
    "label_bad_spec",  # an object without a usable "env" key
    "response_not_text",  # the response (or query) is not a string
    "prompt_not_prefix",  # the prompt was not a prefix of the query (scored anyway, see above)
    "score_exception",  # execgym.score raised (a bug: it must not)
    "reward_not_finite",  # the verifier returned NaN/inf (a bug)
    "turn_cap",  # a multi-turn episode never said done and was stopped (episodes.HARD_TURN_CAP)
    "step_after_done",  # a trainer stepped an episode that had already ended
)


# trainer -> (the column execgym's export writes the task spec to, the export command that writes it)
LABEL_COLUMNS: dict[str, tuple[str, str]] = {
    "openrlhf": ("label", "execgym dataset --format openrlhf (run OpenRLHF with --data.label_key label)"),
    "verl": ("reward_model.ground_truth", "execgym dataset --format verl"),
    "trl": ("spec", "execgym dataset --format trl"),
}


class LabelError(ValueError):
    """The trainer passed no usable task spec: the data or its column mapping is wrong (not the model)."""


_first_batch_passed: set[str] = set()


def check_first_batch(
    trainer: str, labels: Sequence[Any], *, column_given: bool = True, columns: Sequence[str] | None = None
) -> None:
    """Raise :class:`LabelError` unless every label of this process's first ``trainer`` batch is a task spec.

    ``column_given=False`` says the trainer passed no label column at all (``columns``: the ones it did pass,
    for the message). After one batch passed, it returns
    at once (odd labels later score 0 and are counted, so one bad row cannot end a long run).
    """
    if trainer in _first_batch_passed:
        return
    column, writer = LABEL_COLUMNS[trainer]
    if not column_given:
        problem = f"the trainer passed no {column!r} column"
        if columns is not None:
            problem += f" (it passed: {', '.join(columns) or 'none'})"
    else:
        problem = ""
        for index, label in enumerate(labels):
            spec, reason, detail = parse_label(label)
            if spec is None:
                problem = f"row {index} of the first batch has no task spec in the {column!r} column ({reason}: {detail})"
                break
    if problem:
        message = f"execgym {trainer} reward: {problem}; {writer} writes each task's spec JSON there"
        log.error(message)
        raise LabelError(message)
    _first_batch_passed.add(trainer)


def reset_first_batch_checks() -> None:
    """Forget which trainers passed their first-batch check (tests)."""
    _first_batch_passed.clear()


@dataclass(frozen=True)
class HookScore:
    """One scored sample: ``reward`` on the environment's scale, ``score`` in [0, 1]."""

    reward: float
    score: float
    outcome: str
    reason: str  # one of REASONS
    detail: str = ""  # human-readable: the verifier's reason or what was wrong
    extra: dict = field(default_factory=dict)


def strip_end_markers(text: str) -> str:
    """Remove trailing end-of-turn / padding markers and whitespace (repeatedly)."""
    out = text
    while True:
        stripped = out.rstrip()
        for marker in EOS_MARKERS:
            if stripped.endswith(marker):
                stripped = stripped[: -len(marker)]
                break
        else:
            return stripped
        out = stripped


def extract_response(query: Any, prompt: Any) -> tuple[str, str]:
    """Return ``(response, reason)`` where reason is ``ok`` or ``prompt_not_prefix``."""
    q = query if isinstance(query, str) else ""
    p = prompt if isinstance(prompt, str) else ""
    if p and q.startswith(p):
        return strip_end_markers(q[len(p) :]), "ok"
    if not p:
        return strip_end_markers(q), "ok"
    best = -1
    best_header = ""
    for header in ASSISTANT_HEADERS:
        pos = q.rfind(header)
        if pos > best:
            best, best_header = pos, header
    if best >= 0:
        return strip_end_markers(q[best + len(best_header) :]), "prompt_not_prefix"
    return strip_end_markers(q), "prompt_not_prefix"


def parse_label(label: Any) -> tuple[dict | None, str, str]:
    """Return ``(spec, reason, detail)``; spec is None unless reason is ``ok``."""
    if label is None or (isinstance(label, str) and not label.strip()):
        return None, "label_missing", "no label: the prompt dataset needs --data.label_key with the task spec"
    if isinstance(label, (bytes, bytearray)):
        try:
            label = label.decode("utf-8")
        except UnicodeDecodeError:
            return None, "label_not_json", "label bytes are not UTF-8"
    if isinstance(label, dict):
        spec = label
    elif isinstance(label, str):
        try:
            spec = json.loads(label)
        except (ValueError, RecursionError) as exc:
            return None, "label_not_json", f"label is not JSON: {exc}"[:300]
        if not isinstance(spec, dict):
            return None, "label_not_object", f"label JSON is a {type(spec).__name__}, not an object"
    else:
        return None, "label_not_object", f"label is a {type(label).__name__}, not task-spec JSON"
    env = spec.get("env")
    if not isinstance(env, str) or not env:
        return None, "label_bad_spec", "task spec has no 'env' string"
    return spec, "ok", ""


def _finite(x: Any) -> float | None:
    try:
        value = float(x)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


def score_response(label: Any, response: Any) -> HookScore:
    """Score ``response`` against the task spec in ``label``; never raises."""
    return score_responses([label], [response])[0]


def hook_score(result: Any) -> HookScore:
    """The :class:`HookScore` of a verifier ``Score`` (``reward_not_finite`` for a NaN/inf reward)."""
    reward = _finite(getattr(result, "reward", None))
    max_reward = _finite(getattr(result, "max_reward", 1.0)) or 1.0
    outcome = str(getattr(result, "outcome", "error"))
    verdict = str(getattr(result, "reason", ""))
    if reward is None:
        return HookScore(0.0, 0.0, "error", "reward_not_finite", verdict)
    score = min(1.0, max(0.0, reward / max_reward)) if max_reward > 0 else 0.0
    return HookScore(reward, score, outcome, "ok", verdict)


def score_responses(labels: Sequence[Any], responses: Sequence[Any], *, scorer: Any = None) -> list[HookScore]:
    """``[score_response(l, r) for ...]`` in one batch; never raises.

    ``scorer(specs, responses) -> list[Score]`` does the verifying (default: :func:`execgym.serve.route.batch_scorer`,
    which is ``execgym.score_batch`` in this process unless ``EXECGYM_REWARD_URL`` or ``EXECGYM_RAY_ADDRESS``
    names a reward service or a Ray cluster).
    """
    out: list[HookScore | None] = [None] * len(labels)
    todo: list[tuple[int, dict, str]] = []
    for i, (label, response) in enumerate(zip(labels, responses)):
        spec, reason, detail = parse_label(label)
        if spec is None:
            out[i] = HookScore(0.0, 0.0, "error", reason, detail)
        elif not isinstance(response, str):
            out[i] = HookScore(0.0, 0.0, "format_error", "response_not_text", f"response is {type(response).__name__}")
        else:
            todo.append((i, spec, response))
    if todo:
        try:
            if scorer is None:
                from execgym.serve.route import batch_scorer

                scorer = batch_scorer()
            results = list(scorer([t[1] for t in todo], [t[2] for t in todo]))
            if len(results) != len(todo):
                raise RuntimeError(f"scorer returned {len(results)} scores for {len(todo)} responses")
            for (i, _, _), result in zip(todo, results):
                out[i] = hook_score(result)
        except Exception as exc:  # noqa: BLE001 - a hook must never raise
            log.warning("execgym hook: batch scoring raised %s: %s", type(exc).__name__, exc)
            for i, _, _ in todo:
                out[i] = HookScore(0.0, 0.0, "error", "score_exception", f"{type(exc).__name__}: {exc}"[:300])
    return [s if s is not None else HookScore(0.0, 0.0, "error", "score_exception", "not scored") for s in out]


def log_counts(scores: Iterable[HookScore], prefix: str = "execgym/") -> dict[str, float]:
    """Fixed-key numeric logs: mean reward/score, outcome fractions, reason fractions."""
    items = list(scores)
    n = max(1, len(items))
    logs: dict[str, float] = {
        f"{prefix}reward": sum(s.reward for s in items) / n,
        f"{prefix}score": sum(s.score for s in items) / n,
    }
    for outcome in OUTCOMES:
        logs[f"{prefix}outcome_{outcome}"] = sum(1 for s in items if s.outcome == outcome) / n
    for reason in REASONS:
        if reason != "ok":
            logs[f"{prefix}invalid_{reason}"] = sum(1 for s in items if s.reason == reason) / n
    return logs


def openrlhf_rewards(queries: Any, prompts: Any, labels: Any, *, scorer: Any = None) -> dict:
    """OpenRLHF's reward dict for ``(queries, prompts, labels)``: what ``reward_func`` returns and what the
    reward service's ``POST /get_reward`` answers. Raises only :class:`LabelError` (first batch, see
    :func:`check_first_batch`); ``scorer`` as in :func:`score_responses`."""
    query_list = list(queries) if isinstance(queries, (list, tuple)) else [queries]
    n = len(query_list)
    prompt_list = as_list(prompts, n)
    label_list = as_list(labels, n)
    check_first_batch("openrlhf", label_list)
    responses: list[Any] = []
    cuts: list[str] = []
    for query, prompt in zip(query_list, prompt_list):
        if isinstance(query, str):
            response, cut = extract_response(query, prompt)
        else:
            response, cut = None, "response_not_text"
        responses.append(response)
        cuts.append(cut)
    scored = score_responses(label_list, responses, scorer=scorer)
    results: list[HookScore] = []
    for query, cut, s in zip(query_list, cuts, scored):
        if not isinstance(query, str):
            s = HookScore(0.0, 0.0, "format_error", "response_not_text", "query is not text")
        elif s.reason == "ok" and cut != "ok":
            s = HookScore(s.reward, s.score, s.outcome, cut, s.detail)
        results.append(s)
    return {
        "rewards": [s.reward for s in results],
        "scores": [s.score for s in results],
        "extra_logs": log_counts(results),
    }


def as_list(value: Any, n: int) -> list[Any]:
    """A list of length ``n`` from a list/tuple (padded with None) or a single value."""
    if isinstance(value, (list, tuple)):
        seq: Sequence[Any] = value
        return [seq[i] if i < len(seq) else None for i in range(n)]
    return [value] * n
