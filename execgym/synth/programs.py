"""Whole programs: assembles a candidate for a level and a focus operation (no sandbox involved here).

Contract: ``build_candidate(level_spec, focus, rng) -> Candidate | None``. The candidate satisfies the
level's structural constraints by construction (nesting, other operations, call chain, control-flow depth and
kinds, level-7/8 extras), reads every parameter and every variable it writes, and ran without error in the
IR simulation with every required statement reached. ``None`` means "this attempt failed, draw another".
The sandbox filter (``execgym.synth.filters``) decides what finally ships.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from execgym.synth import ir
from execgym.synth.analysis import (
    control_depth,
    external_reads,
    nesting_depth,
    stmt_exprs,
    stmt_tags,
    stmt_writes,
)
from execgym.synth.builder import MAX_VALUE_SIZE, SIM_BUDGET, Builder, Failed, Scope, seq_type
from execgym.synth.catalog import CATALOG, RECEIVER_INPUT_KINDS, Operation, receiver_ok
from execgym.synth.levels import LevelSpec
from execgym.synth.names import FUNCTION_VERBS, HELPER_VERBS
from execgym.synth.slots import NoValue, fresh
from execgym.synth.stdlib import STDLIB_OPS
from execgym.synth.values import RECEIVER_KINDS_FOR_LOOPS, fast_copy, kind_of, literal, size_of


@dataclass
class Candidate:
    source: str
    entry: str
    params: list[str]
    args: list[Any]
    focus: tuple[str, str]
    constraints: dict
    ops_used: dict[str, int]
    simulated: Any
    entry_fn: ir.Function = field(repr=False)
    functions: list[ir.Function] = field(repr=False, default_factory=list)
    imports_top: list[str] = field(default_factory=list)

    @property
    def call(self) -> str:
        return f"{self.entry}({', '.join(literal(a) for a in self.args)})"


class ProgramBuilder(Builder):
    """Assembles whole programs level by level."""

    def choose_extras(self) -> None:
        spec = self.spec
        if not spec.extras:
            return
        pool = [e for e in spec.extras if e not in spec.required_one_of]
        chosen: set[str] = set()
        if spec.required_one_of:
            chosen.add(self.rng.choice(spec.required_one_of))
            if self.rng.random() < 0.25:
                chosen.add(self.rng.choice(spec.required_one_of))
        want = max(spec.min_extras - len(chosen), 0)
        extra_count = want + (1 if self.rng.random() < 0.45 else 0)
        if spec.required_one_of:
            extra_count = 1 if self.rng.random() < 0.5 else 0
        for name in self.rng.sample(pool, min(len(pool), extra_count)):
            chosen.add(name)
        if "recursion" in chosen:
            chosen -= {"break_continue", "early_return", "exceptions", "comprehension"}
        self.extras = chosen

    def build(self) -> Candidate:
        spec = self.spec
        self.choose_extras()
        scope = Scope()
        kind = self.rng.choice(RECEIVER_INPUT_KINDS[self.focus.receiver])
        first = self.add_param(kind, scope)
        self._maybe_slot_param(scope, first)
        low, high = spec.control_depth
        if self.extras & {"break_continue", "early_return", "exceptions"}:
            high = max(low, high - 1)  # their guard `if` adds one level
        depth = self.rng.randint(low, high)
        kinds = [self.rng.choice(spec.control_kinds) for _ in range(depth)]
        if self.extras & {"break_continue", "early_return", "exceptions"} and not set(kinds) & {"for", "while"}:
            kinds[self.rng.randrange(len(kinds))] = "for"
        chain = spec.call_chain == "on" or (spec.call_chain == "optional" and self.rng.random() < 0.4)
        if "recursion" in self.extras:
            chain = False
        self.call_chain = chain
        self.kinds = kinds
        if "recursion" in self.extras:
            body = self.recursive_program(scope)
        elif depth == 0:
            body = []
            expr, _ = self.straight(scope, body, other=spec.other_operations)
            body.append(ir.Return(self.note(expr)))
        else:
            body = self.control_body(scope, kinds)
        verbs = FUNCTION_VERBS.get(self.focus.type, ("process", "compute", "transform"))
        name = self.namer.take(f"{self.rng.choice(verbs)}_{first}", f"{self.rng.choice(verbs)}_{first}_values")
        entry = ir.Function(name, [p for p, _ in self.params], body)
        return self.finalize(entry, depth, kinds)

    def _maybe_slot_param(self, scope: Scope, receiver: str) -> None:
        if self.rng.random() >= 0.4:
            return
        slots = [s for form in self.focus.forms for s in form.slots
                 if s in ("str", "sub", "prefix", "suffix", "char", "int", "anyelem", "anykey", "same", "seq",
                          "boolvar")]
        if not slots:
            return
        slot = self.rng.choice(slots)
        try:
            value = self.rng.random() < 0.5 if slot == "boolvar" else fresh(slot, self.rng, scope.values[receiver])
        except NoValue:
            return
        kind = kind_of(value)
        if kind not in ("str", "int", "bool", "list_int", "list_str", "set_int", "set_str", "tuple_int", "tuple_str"):
            return
        if kind == "str" and not value:
            return
        self.add_param(kind, scope, value)

    # ---------------------------------------------------------------------------------------- control body
    def control_body(self, scope: Scope, kinds: list[str]) -> list[ir.Stmt]:
        block: list[ir.Stmt] = []
        has_other = False
        if self.rng.random() < 0.3 or "stdlib" in self.extras:
            usable = lambda v: receiver_ok(self.focus, v) or (  # noqa: E731
                kind_of(v) in RECEIVER_KINDS_FOR_LOOPS and 1 < len(v) <= 12 and "for" in self.kinds)
            pre = self.pick_other(scope, want=usable, stdlib="stdlib" in self.extras)
            if pre is None:
                pre = self.pick_other(scope, stdlib="stdlib" in self.extras)
            if pre is None and "stdlib" in self.extras:
                self.add_param(self.rng.choice(("list_int", "str", "list_str")), scope)
                pre = self.pick_other(scope, stdlib=True)
            if pre is not None:
                name = self.namer.result(self._noun_for(pre[0]))
                block.append(ir.Assign(name, self.note(pre[0])))
                scope.bind(name, pre[1])
                self.read[name] = -5
                has_other = True
        if "comprehension" in self.extras:
            self.comprehension(scope, block)
            if "comprehension" not in self.extras_used and len(self.extras) > 1:
                self.extras.discard("comprehension")
        if self.focus.mutates and not self.call_chain:
            self.working_copy(scope, block)
        start = len(block)
        loops: list[tuple[ir.Stmt, Scope]] = []
        inner_body, inner_scope = self.open_nest(kinds, scope, block, loops)
        inner: list[ir.Stmt] = []
        if self.call_chain:
            expr, value = self.helper_call(inner_scope, inner)
        else:
            expr, value = self.straight(inner_scope, inner, other=not has_other or self.rng.random() < 0.5)
        final, final_value = self.accumulate(expr, value, inner, block, start)
        if "exceptions" in self.extras:
            inner = self.wrap_try(inner, inner_scope)
        inner_body.extend(inner)
        for fill in self.pending:
            fill()
        self.pending.clear()
        if "break_continue" in self.extras:
            self.loop_guard(loops, "break_continue", None)
        if self.counters:
            for offset, (name, _) in enumerate(self.counters):
                block.insert(start + offset, ir.Assign(name, ir.Const(0)))
            final = ir.TupleExpr(([final] if not isinstance(final, ir.TupleExpr) else final.items)
                                 + [ir.Var(n) for n, _ in self.counters])
        if self.spec.other_operations and self.rng.random() < 0.25 and not self.counters:
            post = self.pick_other(scope, recv=(final, final_value))
            if post is not None:
                final = post[0]
        returned = ir.Return(self.note(final))
        if "early_return" in self.extras:
            self.loop_guard(loops, "early_return", final)
            returned.optional = True
        block.append(returned)
        return block

    def working_copy(self, scope: Scope, block: list[ir.Stmt]) -> None:
        """A fresh copy of an input for a mutating focus operation, so the loop never mutates what it walks."""
        names = [n for n, v in scope.values.items() if receiver_ok(self.focus, v)]
        if not names:
            kind = self.rng.choice(RECEIVER_INPUT_KINDS[self.focus.receiver])
            names = [self.add_param(kind, scope)]
        source = self._pick_var(names, scope)
        value = scope.values[source]
        template = {list: "list({0})", set: "set({0})", dict: "dict({0})"}.get(type(value))
        if template is None:
            return
        name = self.namer.take("updated", "pending", "working", "current")
        block.append(ir.Assign(name, self.note(ir.Op(template, [ir.Var(source)], type(value)))))
        scope.bind(name, fast_copy(value))
        self.read[name] = -5  # strongly preferred as the receiver

    def accumulate(self, expr: ir.Expr, value: Any, inner: list[ir.Stmt], block: list[ir.Stmt],
                   start: int) -> tuple[ir.Expr, Any]:
        """Turn the innermost result into an accumulator update; returns the expression to return."""
        if self.focus.mutates and not self.call_chain:
            self.acc = ("", "mutate")
            return expr, value
        kind = kind_of(value)
        roll = self.rng.random()
        unread = [n for n in self.loop_vars if self.read[n] <= 0 and n not in expr.names()]
        if 0 < len(unread) <= 2:
            expr = ir.TupleExpr([ir.Var(n) for n in unread] + [expr])
            value = tuple(self.loop_probe.get(n) for n in unread) + (value,)
            kind = "tuple"
        elif unread:
            raise Failed("loop variables unused")
        loops = sum(1 for k in self.kinds if k in ("for", "while"))
        if loops >= 2 and (self.rng.random() < 0.6 or size_of(value) > 6) and kind not in ("int", "float"):
            strategy, noun = "last", ("latest", "last_result", "final_value")
            name = self.namer.take(*noun)
            init_value = {"str": "", "bool": False}.get(kind, None)
            block.insert(start, ir.Assign(name, ir.Const(init_value) if init_value is not None else
                                          ir.Raw("None", None)))
            self.note(expr)
            inner.append(ir.Assign(name, expr))
            self.acc = (name, "last")
            self._acc_elem_kind = kind
            self._acc_default = value
            self.read[name] += 1
            return ir.Var(name), value
        if kind == "str" and roll < 0.5:
            strategy, init, noun = "concat", "", ("result", "output", "combined_text")
        elif kind in ("int", "float") and roll < 0.65:
            strategy, init, noun = "sum", 0 if kind == "int" else 0.0, ("total", "score", "running_total")
        else:
            strategy, init, noun = "append", [], ("results", "collected", "output", "values_seen")
        name = self.namer.take(*noun)
        block.insert(start, ir.Assign(name, ir.Const(init)))
        self.note(expr)
        if strategy == "append":
            self._acc_elem_kind = kind
            self._acc_default = value
            inner.append(ir.ExprStmt(ir.Op("{0}.append({1})", [ir.Var(name), expr], lambda a, b: a.append(b),
                                           tag=("list", "append")), mutated=name))
            probe: Any = [value]
        else:
            inner.append(ir.AugAssign(name, "+=", expr, lambda a, b: a + b, tag=(kind, "+")))
            probe = value
        self.acc = (name, strategy)
        self.read[name] += 1
        return ir.Var(name), probe

    def comprehension(self, scope: Scope, block: list[ir.Stmt]) -> None:
        sources = [n for n, v in scope.values.items() if kind_of(v) in ("list_int", "list_str", "str", "tuple_int",
                                                                        "tuple_str", "set_int", "set_str") and v]
        if not sources:
            return
        name = self._pick_var(sources, scope)
        value = scope.values[name]
        items = sorted(value) if isinstance(value, set) else list(value)
        source: ir.Expr = ir.Op("sorted({0})", [ir.Var(name)], sorted) if isinstance(value, set) else ir.Var(name)
        loop_var = self.namer.singular(name, kind_of(value))
        inner = Scope({loop_var: items[0]})
        elt: ir.Expr = ir.Var(loop_var)
        mapped = self.pick_other(inner, recv=(ir.Var(loop_var), items[0])) if self.rng.random() < 0.6 else None
        if mapped is not None:
            elt = mapped[0]
        cond = None
        if mapped is None or self.rng.random() < 0.4:
            cond_expr = self._condition_on(loop_var, items[0], inner)
            cond = cond_expr
        if isinstance(elt, ir.Var) and cond is None:
            return
        comp = ir.Comprehension(elt, loop_var, source, cond)
        try:
            result = comp.eval(dict(scope.values), ir.Context(500))
        except Exception:
            return
        if not result or size_of(result) > MAX_VALUE_SIZE:
            return
        target = self.namer.result({"str": "selected", "int": "picked"}.get(kind_of(items[0]), "selected"))
        self.note(comp)
        block.append(ir.Assign(target, comp))
        scope.bind(target, result)
        self.read[target] = -5
        self.extras_used.add("comprehension")

    def wrap_try(self, inner: list[ir.Stmt], scope: Scope) -> list[ir.Stmt]:
        raised, caught = self.rng.choice((("ValueError", "ValueError"), ("KeyError", "LookupError"),
                                          ("ValueError", "Exception"), ("IndexError", "LookupError")))
        if caught == "Exception":
            caught = "ValueError"
        names = [n for n, v in scope.values.items() if kind_of(v) in ("int", "str")][::-1]
        names.sort(key=lambda n: n not in scope.samples)
        cond = self.condition(scope, want=False, names=names, mixed=True)
        subject = sorted(cond.names())[0]
        body = [ir.If([(cond, [ir.Raise(raised, ir.Var(subject))])])] + inner
        handler = [ir.AugAssign(self.counter("errors"), "+=", ir.Const(1), lambda a, b: a + b)]
        final: list[ir.Stmt] = []
        if self.rng.random() < 0.5:
            final = [ir.AugAssign(self.counter("checked"), "+=", ir.Const(1), lambda a, b: a + b)]
        self.extras_used.add("exceptions")
        return [ir.Try(body, caught, handler, final)]

    def loop_guard(self, loops: list[tuple[ir.Stmt, Scope]], extra: str, final: ir.Expr | None) -> None:
        if not loops:
            return
        stmt, scope = self.rng.choice(loops)
        loop_vars = list(stmt.targets) if isinstance(stmt, ir.For) else [n for n in scope.values][-1:]
        cond = self.condition(scope, want=False, names=loop_vars[::-1], mixed=True)
        if extra == "early_return":
            action: ir.Stmt = ir.Return(final)  # type: ignore[arg-type]
        elif isinstance(stmt, ir.For) and self.rng.random() < 0.6:
            action = ir.Continue()
        else:
            action = ir.Break()
        body = stmt.body  # type: ignore[attr-defined]
        position = 1 if (isinstance(stmt, ir.While) and body and isinstance(body[0], ir.Assign)) else 0
        body.insert(position, ir.If([(cond, [action])]))
        self.extras_used.add(extra)

    # ------------------------------------------------------------------------------------------ call chain
    def helper_call(self, scope: Scope, inner: list[ir.Stmt]) -> tuple[ir.Expr, Any]:
        """Write helper A holding the focus computation; return B's call of it."""
        helper_scope = Scope({n: fast_copy(v) for n, v in scope.values.items()})
        body: list[ir.Stmt] = []
        self.current_fn = "helper"
        before_reads = Counter(self.read)
        expr, value = self.straight(helper_scope, body, other=True, pre=0.9)
        self.current_fn = "entry"
        guarded = False
        if self.rng.random() < 0.8:
            alternative = self.pick_other(helper_scope, want=lambda v: kind_of(v) == kind_of(value))
            if alternative is not None:
                try:
                    cond = self.condition(helper_scope, want=True)
                except Failed:
                    cond = None
                if cond is not None:
                    fallback = ir.Return(self.note(alternative[0]), optional=True)
                    body.extend([ir.If([(cond, [ir.Return(expr)])]), fallback])
                    guarded = True
        if not guarded:
            body.append(ir.Return(expr))
        used = set()
        for stmt in ir.walk(body):
            used |= external_reads(stmt)
        written = set()
        for stmt in ir.walk(body):
            written |= stmt_writes(stmt)
        params = [n for n in scope.values if n in used and n not in written]
        if not params:
            raise Failed("helper takes no argument")
        self.read = before_reads
        for p in params:
            self.read[p] += 1
        verbs = ("apply_rule", "transform", "convert", "score", "check", "combine", "measure", "rewrite")
        name = self.namer.take(f"{self.rng.choice(verbs)}_{params[0]}", *HELPER_VERBS)
        helper = ir.Function(name, params, body)
        self.helpers.append(helper)
        call = ir.Call(helper, [ir.Var(p) for p in params])
        try:
            result = helper.invoke([fast_copy(scope.values[p]) for p in params], ir.Context(SIM_BUDGET))
        except Exception as exc:
            raise Failed(f"helper fails on probe: {exc}") from None
        return call, result

    # ------------------------------------------------------------------------------------------- recursion
    def recursive_program(self, scope: Scope) -> list[ir.Stmt]:
        seqs = [n for n, v in scope.values.items() if kind_of(v) in ("str", "list_int", "list_str", "tuple_int",
                                                                        "tuple_str") and 1 < len(v) <= 12]
        if not seqs:
            seqs = [self.add_param(self.rng.choice(("list_str", "list_int", "str")), scope)]
        seq = self.rng.choice(seqs)
        entry_block: list[ir.Stmt] = []
        if "stdlib" in self.extras or self.rng.random() < 0.3:
            pre = self.pick_other(scope, stdlib="stdlib" in self.extras)
            if pre is not None:
                name = self.namer.result(self._noun_for(pre[0]))
                entry_block.append(ir.Assign(name, self.note(pre[0])))
                scope.bind(name, pre[1])
        index = self.namer.take("index", "position")
        seq_value = scope.values[seq]
        use_rest = not receiver_ok(self.focus, seq_value[0]) and receiver_ok(self.focus, seq_value) and (
            not self.focus.mutates)
        if use_rest:
            element = self.namer.take("rest", "remaining", "tail")
        else:
            element = self.namer.singular(seq, kind_of(seq_value))
        helper_scope = Scope({n: fast_copy(v) for n, v in scope.values.items()})
        helper_scope.bind(index, 0)
        helper_scope.bind(element, fast_copy(seq_value) if use_rest else seq_value[0])
        self.read[element] = -5
        body: list[ir.Stmt] = []
        self.current_fn = "helper"
        expr, value = self.straight(helper_scope, body, other=self.rng.random() < 0.5)
        self.current_fn = "entry"
        element_read = element in expr.names() or any(element in external_reads(st) for st in ir.walk(body))
        if not element_read:
            expr = ir.TupleExpr([ir.Var(element), expr])
            value = (helper_scope.values[element], value)
        kind = kind_of(value)
        if kind in ("str", "int", "float") and not isinstance(value, bool):
            base = ir.Const("" if kind == "str" else (0 if kind == "int" else 0.0))
            combine = "{0} + {1}"
            left = expr
        else:
            base = ir.Const([])
            combine = "{0} + {1}"
            left = ir.Op("[{0}]", [expr], lambda v: [v])
        name = self.namer.take(f"walk_{seq}", f"collect_{seq}", "walk_items")
        all_names = [p for p, _ in self.params] + [index]
        helper = ir.Function(name, all_names, [])
        rec_call = ir.Call(helper, [ir.Var(p) if p != index else ir.Op("{0} + 1", [ir.Var(index)], lambda i: i + 1)
                                    for p in all_names])
        base_case = ir.If([(ir.Op("{0} >= len({1})", [ir.Var(index), ir.Var(seq)], lambda i, s: i >= len(s)),
                            [ir.Return(base)])])
        if use_rest:
            element_stmt = ir.Assign(element, ir.Op("{0}[{1}:]", [ir.Var(seq), ir.Var(index)], lambda s, i: s[i:],
                                                    tag=(seq_type(seq_value), "[index:]")))
        else:
            element_stmt = ir.Assign(element, ir.Op("{0}[{1}]", [ir.Var(seq), ir.Var(index)], lambda s, i: s[i],
                                                    tag=(seq_type(seq_value), "[index]")))
        combined = ir.Op(combine, [left, rec_call], lambda a, b: a + b)
        helper.body = [base_case, element_stmt] + body + [ir.Return(combined)]
        used: set[str] = set()
        for stmt in ir.walk(helper.body):
            used |= external_reads(stmt)
        keep = [p for p in all_names if p in used]
        if index not in keep or seq not in keep:
            raise Failed("recursion does not walk its sequence")
        helper.params = keep
        rec_call.args = [a for p, a in zip(all_names, rec_call.args) if p in keep]
        self.helpers.append(helper)
        call = ir.Call(helper, [ir.Var(p) if p != index else ir.Const(0) for p in keep])
        self.extras_used.add("recursion")
        entry_block.append(ir.Return(self.note(call)))
        return entry_block

    # -------------------------------------------------------------------------------------------- finalize
    def finalize(self, entry: ir.Function, depth: int, kinds: list[str]) -> Candidate:
        functions = self.helpers + [entry]
        ops: Counter[str] = Counter()
        for fn in functions:
            reads: set[str] = set()
            writes: set[str] = set(fn.params)
            imports: set[str] = set()
            for stmt in ir.walk(fn.body):
                reads |= external_reads(stmt)
                writes |= stmt_writes(stmt)
                for tag in stmt_tags(stmt):
                    ops["/".join(tag)] += 1
                    known = CATALOG.get(tag) or STDLIB_OPS.get(tag)
                    if known is not None:
                        imports.update(known.imports)
            dead = writes - reads
            if dead:
                raise Failed(f"unused names {sorted(dead)}")
            if imports:
                if self.imports_inside:
                    fn.body[:0] = [ir.Import(s) for s in sorted(imports)]
                else:
                    self.top_imports |= imports
        focus_key = "/".join(self.focus.key)
        if ops[focus_key] == 0:
            raise Failed("focus operation missing")
        stdlib_used = any(key.split("/")[0] in self.spec.stdlib_modules and tuple(key.split("/", 1)) in STDLIB_OPS
                          for key in ops)
        if "stdlib" in self.extras:
            if not stdlib_used:
                raise Failed("no stdlib operation")
            self.extras_used.add("stdlib")
        if self.spec.other_operations and not any(k != focus_key for k in ops):
            raise Failed("no other operation")
        args = [fast_copy(v) for _, v in self.params]
        try:
            result, ctx = ir.simulate(entry, args, SIM_BUDGET)
        except Exception as exc:
            raise Failed(f"simulation: {type(exc).__name__} {str(exc)[:30]}") from None
        for fn in functions:
            for stmt in ir.walk(fn.body):
                if not stmt.optional and id(stmt) not in ctx.visited:
                    raise Failed("unreached statement")
        if result is None or size_of(result) > 120 or len(repr(result)) > 300:
            raise Failed("result unsuitable")
        missing = self.extras - self.extras_used
        if missing:
            raise Failed(f"extras not realised: {sorted(missing)}")
        source_parts = []
        if self.top_imports:
            source_parts.append("\n".join(sorted(self.top_imports)))
        source_parts += [fn.render() for fn in functions]
        source = "\n\n".join(source_parts) + "\n"
        constraints = {
            "nested_calls": self.spec.nested_calls,
            "other_operations": self.spec.other_operations,
            "call_chain": len(functions) > 1 and "recursion" not in self.extras_used,
            "control_depth": control_depth(entry.body) if "recursion" not in self.extras_used else max(
                control_depth(f.body) for f in functions),
            "control_kinds": list(kinds) if "recursion" not in self.extras_used else ["if"],
            "extras": sorted(self.extras_used),
            "functions": len(functions),
            "focus_nesting": max((nesting_depth(e, self.focus.key) for fn in functions for s in ir.walk(fn.body)
                                  for e in stmt_exprs(s)), default=0),
            "imports": "top" if self.top_imports else ("inside" if any(
                isinstance(s, ir.Import) for fn in functions for s in fn.body) else "none"),
        }
        return Candidate(
            source=source, entry=entry.name, params=[p for p, _ in self.params], args=[v for _, v in self.params],
            focus=self.focus.key, constraints=constraints, ops_used=dict(ops), simulated=result,
            entry_fn=entry, functions=functions, imports_top=sorted(self.top_imports),
        )


def build_candidate(spec: LevelSpec, focus: Operation, rng: random.Random) -> Candidate | None:
    builder = ProgramBuilder(spec, focus, rng)
    try:
        return builder.build()
    except (Failed, NoValue, RecursionError, ir.BudgetExceeded):
        return None
