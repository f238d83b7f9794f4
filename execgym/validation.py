"""Checks of user-supplied environment arguments, shared by every command that takes them.

Contract: each ``check_*`` function returns the normalized value or raises :class:`UsageError` (a
``ValueError``) whose message is one line that names the argument, the bad value and what is allowed,
with the close match when the value looks like a typo (``ExecVars-v0`` -> ``did you mean 'ExecVar-v0'?``).
They read only the declarative environment definitions (``envs/*.toml``) and the task families' option
schemas, so they are cheap and run before any work starts. The console script turns a ``UsageError`` raised
by any subcommand into ``execgym <command>: error: <message>`` and exit status 2; new commands (and
services) call these functions instead of re-implementing the checks.

* :func:`resolve_env` / :func:`resolve_envs`: an environment name or id -> its name (``ExecIO-v0``).
* :func:`parse_levels`: ``"1-6"``, ``"1,3,5"``, ``"4"`` -> sorted distinct levels (syntax only).
* :func:`check_levels`: levels defined for an environment.
* :func:`check_task_options`: options stored in a task spec (``make_task({"env", "level", "seed", "options"})``,
  eval's ``--env-options``): the family's option schema (a superset of the declared env kwargs).
* :func:`check_model_name`: the form of a model name (``openai:MODEL``, ``hf:PATH``, ``vllm:PATH``,
  ``heuristic``, ``random``) without building the backend.
* :func:`check_env_kwargs`: Gymnasium constructor kwargs (``dataset --env-arg``) as declared in
  ``envs/<name>.toml``; a ``path`` kwarg must name a readable file.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


class UsageError(ValueError):
    """A caller's mistake (an unknown id, an undefined level, a bad option, a missing file)."""


def suggestion(word: str, candidates: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest candidate, or ``""`` when none is close."""
    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    key = word.lower()
    # case slips ("execio-v0") and a missing version suffix ("ExecIO") first, then spelling
    hit = lowered.get(key) or lowered.get(key + "-v0")
    close = difflib.get_close_matches(key, list(lowered), n=1, cutoff=0.6)
    match = [hit] if hit else [lowered[close[0]]] if close else []
    return f" (did you mean {match[0]!r}?)" if match else ""


def _definitions() -> dict[str, Any]:
    from execgym.gym.definitions import load_definitions

    return load_definitions()


def resolve_env(name: Any) -> str:
    """``ExecIO-v0`` / ``execgym/ExecIO-v0`` / ``execgym:execgym/ExecIO-v0`` -> ``ExecIO-v0``."""
    if not isinstance(name, str) or not name.strip():
        raise UsageError(f"an environment name must be a non-empty string, got {name!r}")
    text = name.strip()
    bare = text.rsplit(":", 1)[-1]
    bare = bare[len("execgym/"):] if bare.startswith("execgym/") else bare
    known = _definitions()
    if bare in known:
        return bare
    raise UsageError(f"unknown environment {text!r}{suggestion(bare, known)}; known: {', '.join(sorted(known))}")


def resolve_envs(names: str | Sequence[str]) -> list[str]:
    """A comma-separated string or a list of names -> distinct environment names, in order."""
    parts = names.split(",") if isinstance(names, str) else list(names)
    out = [resolve_env(p) for p in parts if not (isinstance(p, str) and not p.strip())]
    if not out:
        raise UsageError("no environment given")
    return list(dict.fromkeys(out))


def parse_levels(text: str | int | Sequence[int]) -> list[int]:
    """``"1-6"`` / ``"1,3,5"`` / ``"4"`` / ``[1, 2]`` -> sorted distinct levels (which exist: see check_levels)."""
    if isinstance(text, bool):
        raise UsageError(f"bad level {text!r}")
    if isinstance(text, int):
        return [text]
    if not isinstance(text, str):
        try:
            return sorted({int(x) for x in text})
        except (TypeError, ValueError):
            raise UsageError(f"levels must be integers, got {text!r}") from None
    levels: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        lo, dash, hi = part.partition("-")
        try:
            a, b = (int(lo), int(hi)) if dash else (int(part), int(part))
        except ValueError:
            raise UsageError(f"bad level {part!r}: use e.g. 4, 1-6 or 1,3,5") from None
        if a > b:
            raise UsageError(f"bad level range {part!r}")
        levels.update(range(a, b + 1))
    if not levels:
        raise UsageError(f"no levels in {text!r}")
    return sorted(levels)


def _span(levels: Sequence[int]) -> str:
    levels = sorted(levels)
    if len(levels) > 2 and levels == list(range(levels[0], levels[-1] + 1)):
        return f"{levels[0]}-{levels[-1]}"
    return ",".join(map(str, levels))


def check_levels(env: str, levels: str | int | Sequence[int]) -> list[int]:
    """The levels, each defined for ``env`` (``envs/<env>.toml`` ``levels``)."""
    definition = _definitions()[resolve_env(env)]
    chosen = parse_levels(levels)
    bad = [lvl for lvl in chosen if lvl not in definition.levels]
    if bad:
        what = "level" if len(bad) == 1 else "levels"
        raise UsageError(f"{definition.name}: {what} {_span(bad)} not defined; defined: {_span(definition.levels)}")
    return chosen


def _check_names(env: str, given: Iterable[str], allowed: Iterable[str], what: str, hint: str = "") -> None:
    allowed = sorted(allowed)
    for name in given:
        if name not in allowed:
            raise UsageError(
                f"{env}: unknown {what} {name!r}{suggestion(name, allowed)}; allowed: {', '.join(allowed)}{hint}"
            )


def check_task_options(env: str, options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Task-spec options for ``env``; returns them unchanged (defaults are filled in by ``make_task``)."""
    name = resolve_env(env)
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise UsageError(f"{name}: options must be a JSON object, got {type(options).__name__}")
    from execgym.tasks import options as schema
    from execgym.tasks.registry import task_class

    allowed = task_class(name).OPTIONS
    env_only = sorted(set(_definitions()[name].kwargs) - set(allowed) - {"level"})
    hint = ""
    if any(k in env_only for k in options):
        hint = f" ({', '.join(env_only)}: an environment argument, e.g. execgym dataset --env-arg KEY=VALUE)"
    _check_names(name, options, allowed, "option", hint)
    try:
        schema.validate(name, allowed, dict(options))
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    return dict(options)


def check_env_kwargs(env: str, kwargs: Mapping[str, Any] | None) -> dict[str, Any]:
    """Constructor kwargs for ``env`` as declared in ``envs/<env>.toml``; returns them normalized.

    ``level`` is checked like any declared kwarg; a ``path`` kwarg that is set must name a readable file.
    """
    name = resolve_env(env)
    definition = _definitions()[name]
    kwargs = dict(kwargs or {})
    _check_names(name, kwargs, definition.kwargs, "argument")
    out: dict[str, Any] = {}
    for key, value in kwargs.items():
        spec = definition.kwargs[key]
        try:
            out[key] = spec.check(name, value, definition.levels)
        except (TypeError, ValueError) as exc:
            raise UsageError(str(exc)) from None
        if spec.type == "path" and out[key]:
            path = out[key]
            if not os.path.isfile(path):
                raise UsageError(f"{name}: argument {key!r}: no such file {path!r}")
            if not os.access(path, os.R_OK):
                raise UsageError(f"{name}: argument {key!r}: cannot read {path!r}")
    return out


def check_env_args(
    envs: str | Sequence[str], levels: str | int | Sequence[int], options: Mapping[str, Any] | None = None
) -> tuple[list[str], list[int]]:
    """Every environment, every level for each of them and the task options for each: ``(envs, levels)``."""
    names = resolve_envs(envs)
    chosen: list[int] = []
    for name in names:
        chosen = check_levels(name, levels)
        check_task_options(name, options)
    return names, chosen


MODEL_FORMS = ("openai:MODEL", "hf:PATH", "vllm:PATH", "heuristic", "random")


def check_model_name(name: Any) -> str:
    """A model name of a known form (what ``execgym.models.load_model`` accepts); the backend is not built."""
    if not isinstance(name, str) or not name.strip():
        raise UsageError("a model name is required, e.g. heuristic or openai:MODEL")
    text = name.strip()
    prefix, sep, rest = text.partition(":")
    if (prefix in ("heuristic", "random") and not sep) or (prefix in ("openai", "hf", "vllm") and sep and rest):
        return text
    guess = suggestion(prefix, ["heuristic", "random", "openai", "hf", "vllm"])
    raise UsageError(f"unknown model {text!r}{guess}: use {', '.join(MODEL_FORMS)}")
