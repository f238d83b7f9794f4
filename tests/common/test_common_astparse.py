"""execgym.astparse: ast.parse is safe to call from several threads at once (CPython gh-106905)."""

from __future__ import annotations

import ast
from concurrent.futures import ThreadPoolExecutor

from execgym import astparse

NESTED = "def f(x):\n    return " + "[" * 60 + "x" + "]" * 60 + "\n"


def test_parallel_parses_agree_and_never_fail():
    def work(i: int) -> str:
        out = ""
        for _ in range(150):
            out = ast.dump(astparse.parse(NESTED + f"y = {i}\n"))
        return out

    with ThreadPoolExecutor(max_workers=4) as pool:
        dumps = list(pool.map(work, range(8)))
    assert all(f"value=Constant(value={i})" in d for i, d in enumerate(dumps))


def test_same_errors_as_ast_parse():
    for bad in ("def (:", "x = [", "\x00"):
        try:
            ast.parse(bad)
        except (SyntaxError, ValueError) as expected:
            kind = type(expected)
        try:
            astparse.parse(bad)
        except (SyntaxError, ValueError) as got:
            assert type(got) is kind
        else:
            raise AssertionError(f"astparse.parse accepted {bad!r}")


def test_execgym_parses_only_through_astparse():
    """Every ``ast.parse`` in the package goes through the lock (a direct call in a drafting thread once raced
    the synthesis filter threads' parses)."""
    import pathlib

    root = pathlib.Path(astparse.__file__).parent
    direct = [f"{path.relative_to(root)}:{n}" for path in sorted(root.rglob("*.py")) if path.name != "astparse.py"
              for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
              if "ast.parse(" in line.replace("astparse.parse(", "")]
    assert direct == []
