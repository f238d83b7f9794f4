"""The ``execgym`` console script.

Each subcommand lives in its own module ``execgym.cli.<name>`` exposing
``register(subparsers) -> argparse.ArgumentParser``; the parser it returns must set a ``handler``
default: ``handler(args) -> int`` (the exit code). A handler that raises
:class:`execgym.validation.UsageError` (before doing any work) exits 2 with the message on one line.
Subcommand modules import heavy dependencies only inside their handlers, so ``execgym --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

SUBCOMMANDS: tuple[str, ...] = ("trace", "doctor", "synth", "corpus", "dataset", "eval", "distill", "train",
                               "serve")


class _ShowDefaults(argparse.HelpFormatter):
    """Appends ``(default: X)`` to an option's help unless the help already names its default or there is
    nothing to show (no default, a flag). Mixed into every subcommand's own formatter class."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if ("default" in text or default is None or default is False or default == []
                or default is argparse.SUPPRESS or not action.option_strings or action.nargs == 0):
            return text
        return text + " (default: %(default)s)"


def with_defaults(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Make ``parser`` (and its sub-parsers) show option defaults in ``--help``."""
    base = parser.formatter_class
    if not (isinstance(base, type) and issubclass(base, _ShowDefaults)):
        parser.formatter_class = type(f"Defaults{getattr(base, '__name__', 'Formatter')}",
                                      (_ShowDefaults, base), {})
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                with_defaults(child)
    return parser


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
    return with_defaults(parser)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    from execgym.validation import UsageError

    try:
        return int(handler(args) or 0)
    except UsageError as exc:  # a user's mistake found before any work: one line, exit 2
        print(f"execgym {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
