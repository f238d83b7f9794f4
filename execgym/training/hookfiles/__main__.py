"""``python -m execgym.training.hookfiles``: print ``name path`` for every installed trainer hook file."""

from __future__ import annotations

from execgym.training.hookfiles import HOOK_FILES, hook_path

for _name in HOOK_FILES:
    print(f"{_name:16} {hook_path(_name)}")
