"""Corpus rows from a folder of ``.py`` files: self-contained functions and their literal-argument calls.

Contract: ``extract_folder(path) -> list[CorpusRow]`` reads every ``*.py`` file under ``path`` (sorted,
recursively; nothing is imported or run) and returns one row per top-level function that

- is self-contained: every name it reads is a builtin, its own parameter or local, a top-level function of
  the same file (taken along, transitively), a module-level constant of that file whose value is a literal
  (taken along), or a name bound by a top-level ``import`` of that file (the import is taken along; the
  filters later drop modules outside the standard library);
- has at least one literal-argument call: a doctest example ``>>> name(literals)`` in any docstring of the
  folder, or a call ``name(literals)`` / ``module.name(literals)`` anywhere in a test file (``test_*.py``,
  ``*_test.py``, files under a ``tests`` folder); calls are found by function name, so a name defined in
  two files takes the calls of neither (it is ambiguous) unless the call sits in the defining file.

A row's ``source`` is the imports, constants and functions it needs, in file order; ``calls`` are the found
calls (canonical text, first seen first, at most ``MAX_CALLS``); ``row_id`` is ``"<relative path>::<name>"``.
Files that do not parse are skipped; a function without calls or not self-contained is not a row.
"""

from __future__ import annotations

import ast
import builtins
import doctest
from collections.abc import Iterable
from pathlib import Path

from execgym import astparse
from execgym.synth.corpus_rows import CorpusRow, parse_code
from execgym.tasks.literals import literal_call_text

MAX_CALLS = 16
_BUILTINS = frozenset(dir(builtins))
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _is_test_file(path: Path, root: Path) -> bool:
    name = path.name
    parts = path.relative_to(root).parts[:-1]
    return name.startswith("test_") or name.endswith("_test.py") or "tests" in parts or "test" in parts


def _bound_names(fn: ast.AST) -> set[str]:
    """Names a function binds itself: parameters, assignment/loop/with/except targets, nested defs, imports."""
    out: set[str] = set()
    for node in ast.walk(fn):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if a is not None:
                    out.add(a.arg)
            if not isinstance(node, ast.Lambda):
                out.add(node.name)
        elif isinstance(node, ast.ClassDef):
            out.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            out.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            out.update(node.names)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
    return out


def _free_names(fn: ast.AST) -> set[str]:
    loaded = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return loaded - _bound_names(fn) - _BUILTINS


def _module_parts(tree: ast.Module) -> tuple[dict[str, ast.stmt], dict[str, ast.stmt], dict[str, ast.stmt]]:
    """(functions, literal constants, import statements) of a module, by the name they bind."""
    functions: dict[str, ast.stmt] = {}
    constants: dict[str, ast.stmt] = {}
    imports: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, _FUNCS):
            functions[node.name] = node
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
            constants[node.targets[0].id] = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and not (isinstance(node, ast.ImportFrom)
                                                                     and node.level):
            for alias in node.names:
                if alias.name != "*":
                    imports[(alias.asname or alias.name).split(".")[0]] = node
    return functions, constants, imports


def _closure(name: str, functions: dict, constants: dict, imports: dict) -> list[ast.stmt] | None:
    """The statements function ``name`` needs (itself included), or None if it is not self-contained."""
    needed: dict[int, ast.stmt] = {}
    todo = [name]
    seen: set[str] = set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        fn = functions[current]
        needed[id(fn)] = fn
        for free in _free_names(fn):
            if free in functions:
                todo.append(free)
            elif free in constants:
                needed[id(constants[free])] = constants[free]
            elif free in imports:
                needed[id(imports[free])] = imports[free]
            else:
                return None
    return [n for n in sorted(needed.values(), key=lambda n: n.lineno)]


def _segment(lines: list[str], node: ast.stmt) -> str:
    start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return "\n".join(lines[start - 1:node.end_lineno]).rstrip()


def _literal_calls(tree: ast.AST, names: Iterable[str]) -> list[tuple[str, str]]:
    """``(name, canonical call text)`` for literal-argument calls of ``names`` (``f(..)`` or ``m.f(..)``)."""
    wanted = set(names)
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in wanted or not (node.args or node.keywords):
            continue
        plain = ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=node.args, keywords=node.keywords)
        text, _ = literal_call_text(plain, name)
        if text is not None:
            out.append((name, text))
    return out


def _doctest_calls(tree: ast.Module, names: Iterable[str]) -> list[tuple[str, str]]:
    out = []
    parser = doctest.DocTestParser()
    for node in ast.walk(tree):
        if not isinstance(node, (*_FUNCS, ast.ClassDef, ast.Module)):
            continue
        doc = ast.get_docstring(node, clean=True)
        if not doc or ">>>" not in doc:
            continue
        try:
            examples = parser.get_examples(doc)
        except ValueError:
            continue
        for example in examples:
            try:
                parsed = astparse.parse(example.source.strip(), mode="eval")
            except (SyntaxError, ValueError):
                continue
            out.extend(_literal_calls(parsed, names))
    return out


def extract_folder(root: str | Path) -> list[CorpusRow]:
    """Rows of a folder of ``.py`` files (see the module contract)."""
    root = Path(root)
    modules: list[tuple[Path, ast.Module, list[str]]] = []
    for path in sorted(root.rglob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
            modules.append((path, parse_code(text), text.splitlines()))
        except (SyntaxError, ValueError, UnicodeDecodeError, OSError):
            continue
    defined: dict[str, list[Path]] = {}
    for path, tree, _ in modules:
        if _is_test_file(path, root):
            continue
        for node in tree.body:
            if isinstance(node, _FUNCS) and not node.name.startswith("test"):
                defined.setdefault(node.name, []).append(path)
    calls: dict[tuple[Path | None, str], list[str]] = {}
    for path, tree, _ in modules:
        found = _doctest_calls(tree, defined)
        if _is_test_file(path, root):
            found += _literal_calls(tree, defined)
        for name, text in found:
            home = path if path in defined[name] else None
            calls.setdefault((home, name), []).append(text)
    rows: list[CorpusRow] = []
    for path, tree, lines in modules:
        if _is_test_file(path, root):
            continue
        functions, constants, imports = _module_parts(tree)
        for name in functions:
            if name.startswith("test") or name not in defined:
                continue
            own = calls.get((path, name), [])
            shared = calls.get((None, name), []) if len(defined[name]) == 1 else []
            found = list(dict.fromkeys([*own, *shared]))[:MAX_CALLS]
            if not found:
                continue
            needed = _closure(name, functions, constants, imports)
            if needed is None:
                continue
            source = "\n\n".join(_segment(lines, n) for n in needed) + "\n"
            rel = path.relative_to(root).as_posix()
            rows.append(CorpusRow(source, name, tuple(found), "", f"{rel}::{name}", {"file": rel}))
    return rows
