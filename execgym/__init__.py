"""execgym: RL environments for code-execution reasoning, rewarded by real sandboxed execution.

Importing the package registers the six Gymnasium environments (``execgym/ExecNext-v0`` ...
``execgym/UnitTest-v0``) and nothing else: every other name below is imported lazily on first use,
so ``import execgym`` never imports torch or any optional extra.
"""

from __future__ import annotations

from execgym.lazy import lazy_exports

__version__ = "0.1.0"

# public name -> "module:attribute" ("module:" = the module itself); see execgym.lazy
_LAZY: dict[str, str] = {
    # execution engine
    "run": "execgym.engine.api:run",
    "trace": "execgym.engine.api:trace",
    "run_batch": "execgym.engine.api:run_batch",
    "arun": "execgym.engine.api:arun",
    "atrace": "execgym.engine.api:atrace",
    "Sandbox": "execgym.engine.pool:Sandbox",
    "RunResult": "execgym.engine.results:RunResult",
    "ExecutionTrace": "execgym.engine.results:ExecutionTrace",
    "Step": "execgym.engine.results:Step",
    # tasks, scoring, curriculum
    "make_task": "execgym.tasks.registry:make_task",
    "score": "execgym.tasks.registry:score",
    "score_batch": "execgym.tasks.registry:score_batch",
    "Score": "execgym.tasks.base:Score",
    "Curriculum": "execgym.gym.curriculum:Curriculum",
    # sub-packages
    "synth": "execgym.synth:",
    "models": "execgym.models:",
}

__all__ = ["__version__", *_LAZY]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


def _register() -> None:
    try:
        from execgym.gym.registration import register_all
    except ImportError:  # environments not built yet in this checkout
        return
    register_all()


_register()
