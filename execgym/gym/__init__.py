"""Gymnasium layer: registered text environments, the Unicode string space, curriculum and dataset export.

Importing this package imports nothing heavy; the names below load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "ExecEnv": "execgym.gym.env:ExecEnv",
    "ExecNextEnv": "execgym.gym.env:ExecNextEnv",
    "ExecVarEnv": "execgym.gym.env:ExecVarEnv",
    "ExecIOEnv": "execgym.gym.env:ExecIOEnv",
    "ExecOIEnv": "execgym.gym.env:ExecOIEnv",
    "UnitTestEnv": "execgym.gym.env:UnitTestEnv",
    "UnicodeText": "execgym.gym.spaces:UnicodeText",
    "Curriculum": "execgym.gym.curriculum:Curriculum",
    "CurriculumWrapper": "execgym.gym.curriculum:CurriculumWrapper",
    "export_dataset": "execgym.gym.export:export_dataset",
    "register_all": "execgym.gym.registration:register_all",
    "make_vec": "execgym.gym.vector:make_vec",
    "load_definitions": "execgym.gym.definitions:load_definitions",
    "get_definition": "execgym.gym.definitions:get_definition",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'execgym.gym' has no attribute {name!r}")
    module_name, _, attr = target.partition(":")
    value = getattr(importlib.import_module(module_name), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
