"""Lazy public names for a package: ``import execgym.x`` imports nothing heavy until a name is used.

``lazy_exports(package, table)`` returns the package's ``__getattr__`` and ``__dir__``. Each table value
is ``"module"`` (the attribute of the same name in that module), ``"module:attr"`` (another attribute)
or ``"module:"`` (the module itself). A resolved value is cached in the package's namespace.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, table: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` serving the names in ``table`` on first use."""

    def __getattr__(name: str) -> Any:
        target = table.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, colon, attr = target.partition(":")
        module = importlib.import_module(module_name)
        value = module if (colon and not attr) else getattr(module, attr or name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        namespace = vars(sys.modules[package])
        return sorted(set(table) | set(namespace.get("__all__", ())) | set(namespace))

    return __getattr__, __dir__
