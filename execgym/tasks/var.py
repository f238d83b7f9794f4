"""ExecVar-v0 (data flow): value and type of variable v right after line n has executed for the k-th time.

The answer is ``value; type`` (split on the LAST ``;``; value a Python literal, compared type-strictly), or
``Nil`` when line n never executes k times. See ``whitebox.py`` for modes and rewards.
"""

from __future__ import annotations

from execgym.tasks.whitebox import WhiteboxTask


class VarTask(WhiteboxTask):
    env = "ExecVar-v0"
    kind = "var"
