"""Training support: schedules, trace-grounded SFT data, OpenRLHF commands, trainer hook helpers.

Nothing here imports torch, openrlhf or any other optional dependency at import time. The trainer hook
files are installed with the package in ``execgym/training/hookfiles/`` (loaded by path by the trainers;
``agents/`` in a checkout has thin files that load them) and the bundled schedules in
``execgym/training/schedules/``; the hooks call :mod:`execgym.training.hooks` so every trainer shares one
scorer.
"""

from __future__ import annotations
