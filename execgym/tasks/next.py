"""ExecNext-v0 (control flow): "after line n has executed for the k-th time, which line runs next?".

The answer is the next line's number or text, or -1 when the program ends there or line n never executes k
times; the verifier maps text to line number(s). See ``whitebox.py`` for modes and rewards and
``questions.py`` for the exact trace semantics.
"""

from __future__ import annotations

from execgym.tasks.whitebox import WhiteboxTask


class NextTask(WhiteboxTask):
    env = "ExecNext-v0"
    kind = "next"
