"""The service's request bodies to answers, run on a scoring thread (never on the event loop).

``handle(route, body, config, count, scorers)`` returns ``(status, json_bytes)`` and never raises: a body that
is not the route's JSON shape is a 400 with a message, a batch above ``config.max_batch`` a 413, and anything
a model wrote is scored (the ``execgym.score`` contract) and answered 200. ``count`` receives
``(env, outcome)`` pairs of the responses scored. ``scorers`` (an :class:`execgym.serve.scorers.ScorerPool`,
or ``None``: this process) scores the batches and builds the tasks; JSON is read and written here.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

from execgym.engine import turns
from execgym.serve.config import ServeConfig
from execgym.tasks.base import Score

log = logging.getLogger("execgym.serve")
ROUTES = ("/get_reward", "/score", "/score_batch", "/task")
_ENV_RE = re.compile(r'"env"\s*:\s*"([^"\\]{1,64})"')
# The scoring threads take turns at their Python work (one at a time: side by side under the GIL they are
# slower), and give the turn up while they wait for the sandbox (execgym.engine.turns).
_TURN = turns.FairLock()


class RequestError(Exception):
    """A request the service refuses: ``status`` (400 or 413), ``kind`` and a one-line message."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


def error_body(kind: str, message: str) -> bytes:
    return dumps({"error": kind, "message": message})


def _finite_only(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: _finite_only(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_only(v) for v in value]
    return value


try:  # orjson (in the serve extra) parses and writes 3-5x faster; the stdlib json is the fallback
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised where orjson is absent
    _orjson = None


def _has_nonfinite(value: Any) -> bool:
    """Whether a NaN or an infinity is anywhere in ``value`` (orjson would write it as ``null``).

    Called on every answer (score details hold ``null``s, so the cheap ``b"null" in data`` test rarely
    settles it): the common leaf types are skipped by exact type before any recursion."""
    t = type(value)
    if t is dict:
        items: Iterable[Any] = value.values()
    elif t is list or t is tuple:
        items = value
    elif isinstance(value, float):
        return not math.isfinite(value)
    elif isinstance(value, dict):
        items = value.values()
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        return False
    isfinite = math.isfinite
    for v in items:
        tv = type(v)
        if tv is str or tv is bool or tv is int or v is None:
            continue
        if tv is float:
            if not isfinite(v):
                return True
        elif _has_nonfinite(v):
            return True
    return False


def _stdlib_dumps(payload: Any) -> bytes:
    try:
        return json.dumps(payload, separators=(",", ":"), allow_nan=False, default=repr).encode()
    except ValueError:
        return json.dumps(_finite_only(payload), separators=(",", ":"), default=repr).encode()


def dumps(payload: Any) -> bytes:
    """Strict JSON (non-finite floats become their repr text, other odd values their repr)."""
    if _orjson is not None:
        try:
            data = _orjson.dumps(payload, default=repr)
        except (TypeError, _orjson.JSONEncodeError):  # e.g. an int beyond 64 bits
            return _stdlib_dumps(payload)
        if b"null" in data and _has_nonfinite(payload):  # orjson writes NaN/inf as null
            return _stdlib_dumps(payload)
        return data
    return _stdlib_dumps(payload)


def _loads(body: bytes) -> Any:
    if _orjson is not None:
        try:
            return _orjson.loads(body)
        except _orjson.JSONDecodeError:
            pass  # the stdlib parser decides (and words the message); it also reads what orjson refuses
    return json.loads(body)


def _object(body: bytes) -> dict:
    try:
        obj = _loads(body)
    except (ValueError, RecursionError) as exc:
        raise RequestError(400, "bad_json", f"the body is not JSON: {exc}"[:300]) from None
    if not isinstance(obj, dict):
        raise RequestError(400, "bad_request", f"the body must be a JSON object, not {type(obj).__name__}")
    return obj


def _list(obj: dict, key: str, config: ServeConfig, *, required: bool = True) -> list | None:
    if key not in obj:
        if required:
            raise RequestError(400, "bad_request", f"missing key {key!r}")
        return None
    value = obj[key]
    if not isinstance(value, list):
        raise RequestError(400, "bad_request", f"{key!r} must be a list, not {type(value).__name__}")
    if len(value) > config.max_batch:
        raise RequestError(
            413, "batch_too_large", f"{key!r} has {len(value)} items; the limit is {config.max_batch}"
        )
    return value


def env_of(spec: Any) -> Any:
    """The ``env`` a spec (dict or JSON text) names, for metrics only (no full parse of JSON text)."""
    if isinstance(spec, dict):
        return spec.get("env")
    if isinstance(spec, str):
        m = _ENV_RE.search(spec[:4096])
        return m.group(1) if m else None
    return None


def _counting(count: Callable[[Iterable[tuple[Any, str]]], None], scorers: Any) -> Callable[[list, list], list]:
    if scorers is not None:
        score_batch = scorers.score_batch
    else:
        from execgym.tasks.registry import score_batch

    def scorer(specs: list, responses: list) -> list:
        scores = score_batch(specs, responses)
        count((env_of(s), sc.outcome) for s, sc in zip(specs, scores))
        return scores

    return scorer


def _get_reward(obj: dict, config: ServeConfig, count: Callable, scorers: Any) -> Any:
    from execgym.training.hooks import LabelError, openrlhf_rewards

    queries = _list(obj, "query", config)
    prompts = _list(obj, "prompts", config, required=False)
    labels = _list(obj, "labels", config, required=False)
    try:
        return openrlhf_rewards(queries, prompts, labels, scorer=_counting(count, scorers))
    except LabelError as exc:
        raise RequestError(400, "label_error", str(exc)) from None


def _score(obj: dict, config: ServeConfig, count: Callable, scorers: Any) -> Any:
    for key in ("spec", "response"):
        if key not in obj:
            raise RequestError(400, "bad_request", f"missing key {key!r}")
    return _counting(count, scorers)([obj["spec"]], [obj["response"]])[0].to_dict()


def _score_batch(obj: dict, config: ServeConfig, count: Callable, scorers: Any) -> Any:
    specs = _list(obj, "specs", config)
    responses = _list(obj, "responses", config)
    if len(specs) != len(responses):
        raise RequestError(400, "bad_request", f"{len(specs)} specs but {len(responses)} responses")
    return {"scores": [_score_view(s) for s in _counting(count, scorers)(specs, responses)]}


def _score_view(score: Any) -> dict:
    """``score.to_dict()`` for writing out at once: the same keys and values, but the detail dicts are the
    score's own, not copies (nothing keeps or changes the view; it is serialized and dropped)."""
    details = score.details
    if type(score) is Score and type(details) is list and all(type(d) is dict for d in details):
        return {
            "reward": score.reward,
            "outcome": score.outcome,
            "reason": score.reason,
            "details": details,
            "max_reward": score.max_reward,
        }
    return score.to_dict()


def _task(obj: dict, config: ServeConfig, count: Callable, scorers: Any) -> Any:

    spec = {k: obj[k] for k in ("env", "level", "seed", "options") if k in obj}
    unknown = sorted(set(obj) - {"env", "level", "seed", "options"})
    if unknown:
        raise RequestError(
            400, "bad_request", f"unknown keys {unknown}; a task request has env, level, seed, options"
        )
    for key in ("env", "level", "seed"):
        if key not in spec:
            raise RequestError(400, "bad_request", f"missing key {key!r}")
    try:
        if scorers is not None:
            return scorers.make_task(spec)
        from execgym.tasks.registry import make_task

        task = make_task(spec)
    except (ValueError, TypeError) as exc:
        raise RequestError(400, "bad_task", str(exc)[:500]) from None
    return {"spec": task.spec, "prompt": task.prompt, "max_reward": task.max_reward}


_HANDLERS = {"/get_reward": _get_reward, "/score": _score, "/score_batch": _score_batch, "/task": _task}


def handle(
    route: str, body: bytes, config: ServeConfig, count: Callable, scorers: Any = None
) -> tuple[int, bytes]:
    """Answer one POST; see the module docstring."""
    with turns.turn(_TURN):
        return _handle(route, body, config, count, scorers)


def _handle(route: str, body: bytes, config: ServeConfig, count: Callable, scorers: Any) -> tuple[int, bytes]:
    try:
        return 200, dumps(_HANDLERS[route](_object(body), config, count, scorers))
    except RequestError as exc:
        return exc.status, error_body(exc.kind, exc.message)
    except Exception as exc:  # noqa: BLE001 - a service bug: logged, answered, never a dropped connection
        log.exception("execgym serve: %s failed", route)
        return 500, error_body("internal_error", f"{type(exc).__name__}: {exc}"[:300])
