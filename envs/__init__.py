"""Declarative environment specs and curricula (installed as the ``execgym.specs`` package)."""
