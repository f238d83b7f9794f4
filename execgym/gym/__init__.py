"""Gymnasium layer: registered text environments, the Unicode string space, curriculum and dataset export.

Importing this package imports nothing heavy; the names below load on first use.
"""

from __future__ import annotations

from execgym.lazy import lazy_exports

_LAZY: dict[str, str] = {
    "ExecEnv": "execgym.gym.env:ExecEnv",
    "ExecNextEnv": "execgym.gym.env:ExecNextEnv",
    "ExecVarEnv": "execgym.gym.env:ExecVarEnv",
    "ExecIOEnv": "execgym.gym.env:ExecIOEnv",
    "ExecOIEnv": "execgym.gym.env:ExecOIEnv",
    "UnitTestEnv": "execgym.gym.env:UnitTestEnv",
    "ExecAuditEnv": "execgym.gym.env:ExecAuditEnv",
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

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
