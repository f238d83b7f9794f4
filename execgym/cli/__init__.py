"""The ``execgym`` console script.

Each subcommand lives in its own module ``execgym.cli.<name>`` exposing
``register(subparsers) -> argparse.ArgumentParser``; the parser it returns must set a ``handler``
default: ``handler(args) -> int`` (the exit code). Subcommand modules import heavy dependencies
only inside their handlers, so ``execgym --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

SUBCOMMANDS: tuple[str, ...] = ("trace", "doctor", "synth", "dataset", "eval", "distill", "train")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="execgym",
        description="Code-execution reasoning environments with verified rewards.",
    )
    from execgym import __version__

    parser.add_argument("--version", action="version", version=f"execgym {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"execgym.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"execgym.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
