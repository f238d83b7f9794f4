"""Option schemas of the task families (the env kwargs that shape a task).

Contract: ``validate(env, schema, options)`` returns the options merged over the schema's defaults; an unknown
name raises ``TypeError``, a value of the wrong type raises ``TypeError``, a value outside the allowed ones raises
``ValueError``. The merged options are stored in the task spec, so a spec stays self-contained if defaults change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Opt:
    default: Any
    type: type
    choices: tuple | None = None
    min: float | None = None
    max: float | None = None


def validate(env: str, schema: dict[str, Opt], options: dict | None) -> dict[str, Any]:
    options = dict(options or {})
    unknown = sorted(set(options) - set(schema))
    if unknown:
        raise TypeError(f"{env}: unknown option(s) {unknown}; allowed: {sorted(schema)}")
    out = {name: opt.default for name, opt in schema.items()}
    for name, value in options.items():
        opt = schema[name]
        if opt.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if opt.type is str and value is None:
            value = ""
        if isinstance(value, bool) and opt.type is not bool or not isinstance(value, opt.type):
            raise TypeError(f"{env}: option {name!r} must be {opt.type.__name__}, got {type(value).__name__}")
        if opt.choices is not None and value not in opt.choices:
            raise ValueError(f"{env}: option {name!r} must be one of {list(opt.choices)}, got {value!r}")
        if opt.min is not None and value < opt.min:
            raise ValueError(f"{env}: option {name!r} must be >= {opt.min}, got {value!r}")
        if opt.max is not None and value > opt.max:
            raise ValueError(f"{env}: option {name!r} must be <= {opt.max}, got {value!r}")
        out[name] = value
    return out
