"""generate(): determinism, the Program record, and level structure on a sample of every level."""

from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys
import tokenize

import pytest

from execgym.seeding import rng
from execgym.synth import LEVELS, Program, generate
from execgym.synth.catalog import ALL_ENTRIES, CATALOG
from execgym.synth.programs import build_candidate

STDLIB = {"math", "collections", "itertools", "functools", "bisect", "heapq", "string"}


def test_levels_are_loaded_from_envs():
    assert sorted(LEVELS) == list(range(1, 9))
    assert [LEVELS[i].control_depth for i in range(1, 7)] == [(0, 0), (0, 0), (1, 1), (2, 2), (3, 3), (3, 3)]
    assert not LEVELS[1].other_operations and LEVELS[2].other_operations
    assert LEVELS[6].call_chain == "on" and LEVELS[5].call_chain == "off"
    assert "recursion" in LEVELS[8].extras and "exceptions" in LEVELS[7].extras


def test_same_level_and_seed_give_byte_identical_programs_across_processes():
    here = json.dumps(generate(5, 424242).to_dict(), sort_keys=True)
    again = json.dumps(generate(5, 424242).to_dict(), sort_keys=True)
    assert here == again
    code = ("import json; from execgym.synth import generate; "
            "print(json.dumps(generate(5, 424242).to_dict(), sort_keys=True))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == here


def test_different_seeds_differ_and_program_round_trips():
    a, b = generate(3, 1), generate(3, 2)
    assert (a.source, a.call) != (b.source, b.call)
    data = json.loads(json.dumps(a.to_dict()))
    assert Program.from_dict(data) == a
    assert a.seed == 1 and a.level == 3 and a.focus in ALL_ENTRIES


def _functions(tree: ast.Module) -> list[ast.FunctionDef]:
    return [n for n in tree.body if isinstance(n, ast.FunctionDef)]


def _depth(nodes: list[ast.stmt]) -> int:
    best = 0
    for node in nodes:
        inner = 0
        for field in ("body", "orelse", "handlers", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                inner = max(inner, _depth([n for n in block if isinstance(n, ast.stmt)]))
        if isinstance(node, ast.ExceptHandler):
            inner = max(inner, _depth(node.body))
        if isinstance(node, (ast.If, ast.For, ast.While)):
            # an elif is an If nested in orelse: it is not one level deeper
            if isinstance(node, ast.If) and len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
                inner = max(_depth(node.body), _depth(node.orelse[0].orelse), _depth(node.orelse[0].body))
            inner += 1
        best = max(best, inner)
    return best


def _check_common(program: Program) -> ast.Module:
    tree = ast.parse(program.source)
    tokens = tokenize.generate_tokens(io.StringIO(program.source).readline)
    assert not any(tok.type == tokenize.COMMENT for tok in tokens)
    functions = _functions(tree)
    entry = functions[-1]
    assert entry.name == program.entry
    call = ast.parse(program.call, mode="eval").body
    assert isinstance(call, ast.Call) and call.func.id == program.entry
    assert all(ast.literal_eval(arg) is not None for arg in call.args)
    for fn in functions:
        assert fn.args.args, "every function takes an argument"
        assert not fn.args.defaults and not fn.args.kw_defaults
        params = {a.arg for a in fn.args.args}
        loads = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        stores = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        assert params <= loads, f"unused parameter in\n{program.source}"
        assert stores <= loads, f"dead store in\n{program.source}"
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {f.name for f in functions}
    assert not any(name.startswith("_") for name in names)
    assert program.features["trace_length"] >= 1
    return tree


def test_level_structure_holds(samples):
    for level, (programs, _) in samples.items():
        assert programs, level
        for program in programs:
            tree = _check_common(program)
            functions = _functions(tree)
            entry = functions[-1]
            depth = _depth(entry.body)
            if level in (1, 2):
                assert len(functions) == 1 and depth == 0
                assert not any(isinstance(n, (ast.If, ast.For, ast.While, ast.Try, ast.IfExp))
                               for n in ast.walk(tree)), program.source
            if level in (3, 4, 5):
                assert len(functions) == 1 and depth == level - 2, (depth, program.source)
            if level == 6:
                assert len(functions) == 2 and depth == 3, program.source
                helper = functions[0].name
                assert any(isinstance(n, ast.Call) and getattr(n.func, "id", None) == helper
                           for n in ast.walk(entry)), program.source
            if level == 7:
                assert any(isinstance(n, (ast.Try, ast.ListComp, ast.Break, ast.Continue, ast.Raise)) for n in
                           ast.walk(tree)) or sum(isinstance(n, ast.Return) for n in ast.walk(entry)) > 1
            if level == 8:
                recursive = any(isinstance(n, ast.Call) and getattr(n.func, "id", None) == fn.name
                                for fn in functions for n in ast.walk(fn))
                imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                            for a in n.names}
                imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
                assert recursive or imported & STDLIB, program.source
            assert program.constraints["extras"] == sorted(program.constraints["extras"])


def test_focus_is_nested_and_used_several_times(samples):
    for level, (programs, _) in samples.items():
        for program in programs:
            key = "/".join(program.focus)
            assert program.features["operations"].get(key, 0) >= 1, program.source
            if CATALOG[program.focus].nestable:
                assert program.constraints["focus_nesting"] >= 2, program.source
                assert program.features["operations"][key] >= 2
            if LEVELS[level].other_operations:
                assert len(program.features["operations"]) >= 2, program.source


@pytest.mark.parametrize("level", range(1, 9))
def test_every_entry_is_applicable_at_every_level(level):
    """The builder can write a program around every (type, operation) entry at every level."""
    spec = LEVELS[level]
    missing = []
    for key in ALL_ENTRIES:
        for attempt in range(150):
            if build_candidate(spec, CATALOG[key], rng("applicable", level, *key, attempt)) is not None:
                break
        else:
            missing.append(key)
    assert not missing


def test_unknown_level_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown level"):
        generate(9, 1)
