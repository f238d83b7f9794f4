"""Training support: schedules, trace-grounded SFT data, OpenRLHF commands, trainer hook helpers.

Nothing here imports torch, openrlhf or any other optional dependency at import time. The trainer hook
files themselves live in ``agents/`` (loaded by path by the trainers); they call
:mod:`execgym.training.hooks` so every trainer shares one scorer.
"""

from __future__ import annotations
