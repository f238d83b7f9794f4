"""Builds one candidate program for a level and a focus operation (no sandbox involved here).

Contract: ``build_candidate(level_spec, focus, rng) -> Candidate | None``. The candidate satisfies the
level's structural constraints by construction (nesting, other operations, call chain, control-flow depth and
kinds, level-7/8 extras), reads every parameter and every variable it writes, and ran without error in the
IR simulation with every required statement reached. ``None`` means "this attempt failed, draw another".
The sandbox filter (``execgym.synth.filters``) decides what finally ships.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from execgym.synth import ir
from execgym.synth.catalog import CATALOG, RECEIVER_INPUT_KINDS, RECEIVERS, Operation, receiver_ok
from execgym.synth.levels import LevelSpec
from execgym.synth.names import FUNCTION_VERBS, HELPER_VERBS, Namer
from execgym.synth.slots import NoValue, accepts, fresh
from execgym.synth.stdlib import STDLIB_OPS
from execgym.synth.values import RECEIVER_KINDS_FOR_LOOPS, draw_of_kind, fast_copy, kind_of, literal, size_of

SIM_BUDGET = 700
MAX_VALUE_SIZE = 60

# glue conversions connecting a result to the next nested call: (template, applies-to, function)
GLUE: tuple[tuple[str, Callable[[Any], bool], Callable[[Any], Any]], ...] = (
    ("str({0})", lambda v: kind_of(v) in ("int", "bool", "float"), str),
    ("len({0})", lambda v: isinstance(v, (str, list, tuple, set, dict)), len),
    ("list({0})", lambda v: isinstance(v, (str, tuple)) or kind_of(v) in ("set_int", "dict"), list),
    ("sorted({0})", lambda v: kind_of(v) in ("set_str", "set_int", "list_int", "list_str", "str"), sorted),
    ("tuple({0})", lambda v: kind_of(v) in ("list_int", "list_str", "str"), tuple),
    ("set({0})", lambda v: kind_of(v) in ("list_int", "list_str", "tuple_int", "tuple_str", "str"), set),
    ("float({0})", lambda v: kind_of(v) in ("int", "bool"), float),
    ("int({0})", lambda v: kind_of(v) in ("bool", "float"), int),
    ("bool({0})", lambda v: kind_of(v) == "int", bool),
    ("dict.fromkeys({0}, 1)", lambda v: kind_of(v) in ("list_str", "tuple_str", "set_str"),
     lambda v: dict.fromkeys(sorted(v) if isinstance(v, set) else v, 1)),
    ("{0}.decode()", lambda v: isinstance(v, bytes), lambda v: v.decode()),
    ("{0}[0]", lambda v: isinstance(v, (list, tuple)) and len(v) > 0, lambda v: v[0]),
    ("{0}[-1]", lambda v: isinstance(v, (list, tuple)) and len(v) > 0, lambda v: v[-1]),
)

PREFERRED_OTHER_TYPES = ("str", "list", "set", "tuple")


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


class Scope:
    """Variables visible at a point of the program, with their values on the first pass (probe values)."""

    def __init__(self, values: dict[str, Any] | None = None, iterating: set[str] | None = None,
                 samples: dict[str, list] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})
        self.iterating: set[str] = set(iterating or ())
        self.samples: dict[str, list] = dict(samples or {})  # every value a loop variable takes

    def child(self) -> Scope:
        return Scope(fast_copy(self.values), set(self.iterating), dict(self.samples))

    def bind(self, name: str, value: Any) -> None:
        self.values.pop(name, None)
        self.values[name] = value


class Failed(Exception):
    """This attempt cannot be completed."""


class Builder:
    def __init__(self, spec: LevelSpec, focus: Operation, rng: random.Random) -> None:
        self.spec = spec
        self.focus = focus
        self.rng = rng
        self.namer = Namer(rng)
        self.params: list[tuple[str, Any]] = []
        self.top_imports: set[str] = set()
        self.fn_imports: dict[str, set[str]] = {}
        self.current_fn = "entry"
        self.counters: list[tuple[str, str]] = []
        self._acc_elem_kind = "int"
        self._acc_default: Any = 0
        self.ops_used: Counter[str] = Counter()
        self.read: Counter[str] = Counter()
        self.pending: list[Callable[[], None]] = []
        self.helpers: list[ir.Function] = []
        self.extras: set[str] = set()
        self.imports_inside = rng.random() < 0.5
        self.acc: tuple[str, str] | None = None  # (name, strategy)
        self.extras_used: set[str] = set()
        self.conditions_used: set[str] = set()
        self.loop_vars: list[str] = []
        self.loop_probe: dict[str, Any] = {}
        self.call_chain = False
        self.kinds: list[str] = []

    # ------------------------------------------------------------------------------------------ basics
    def add_param(self, kind: str, scope: Scope, value: Any = None) -> str:
        name = self.namer.param(kind)
        if value is None:
            value = draw_of_kind(kind, self.rng)
        self.params.append((name, value))
        scope.bind(name, fast_copy(value))
        return name

    def note(self, expr: ir.Expr) -> ir.Expr:
        for name in expr.names():
            self.read[name] += 1
        return expr


    def counter(self, base: str) -> str:
        """A side counter (initialised to 0 before the control structures and returned with the result)."""
        for name, kind in self.counters:
            if kind == base:
                return name
        name = self.namer.take(base, f"{base}_count")
        self.counters.append((name, base))
        return name

    def _pick_var(self, names: list[str], scope: Scope) -> str:
        order = list(scope.values)
        weights = []
        for name in names:
            weight = 1.0 + order.index(name) / max(1, len(order))
            if self.read[name] < 0:
                weight += 20.0
            elif self.read[name] == 0:
                weight += 3.0
            weights.append(weight)
        return self.rng.choices(names, weights=weights)[0]

    # --------------------------------------------------------------------------------- applying operations
    def apply(self, op: Operation, scope: Scope, recv: tuple[ir.Expr, Any] | None = None,
              fixed: tuple[int, ir.Expr, Any] | None = None, avoid: set[str] | None = None,
              ) -> tuple[ir.Expr, Any, Any, ir.Form] | None:
        """Apply ``op``: returns (expression, result value, receiver value after the call, form) or None."""
        forms = list(op.forms)
        self.rng.shuffle(forms)
        for form in forms:
            if recv is None:
                names = [n for n, v in scope.values.items() if receiver_ok(op, v)
                         and (not op.mutates or n not in scope.iterating) and n not in (avoid or ())]
                if not names:
                    return None
                name = self._pick_var(names, scope)
                recv_expr, recv_val = ir.Var(name), scope.values[name]
            else:
                recv_expr, recv_val = recv
                if op.mutates and not isinstance(recv_expr, ir.Var):
                    return None
            parts: list[ir.Expr] = [recv_expr]
            values: list[Any] = []
            ok = True
            for index, slot in enumerate(form.slots, start=1):
                if fixed is not None and fixed[0] == index:
                    if not accepts(slot, fixed[2], recv_val):
                        ok = False
                        break
                    parts.append(fixed[1])
                    values.append(fixed[2])
                    continue
                used = {p.name for p in parts if isinstance(p, ir.Var)}
                candidates = [n for n, v in scope.values.items() if n not in used and accepts(slot, v, recv_val)]
                unread = any(self.read[n] == 0 for n in candidates)
                if candidates and self.rng.random() < (0.85 if unread else 0.5):
                    name = self._pick_var(candidates, scope)
                    parts.append(ir.Var(name))
                    values.append(scope.values[name])
                    continue
                try:
                    value = fresh(slot, self.rng, recv_val)
                except NoValue:
                    ok = False
                    break
                parts.append(ir.Const(value))
                values.append(value)
            if not ok or (fixed is not None and fixed[0] > len(form.slots)):
                continue
            receiver_copy = fast_copy(recv_val)
            try:
                result = form.fn(receiver_copy, *fast_copy(values))
            except Exception:
                continue
            if size_of(result) > MAX_VALUE_SIZE or size_of(receiver_copy) > MAX_VALUE_SIZE:
                continue
            if isinstance(result, float) and not math.isfinite(result):
                continue
            expr = ir.Op(form.template, parts, form.fn, tag=op.key)
            return expr, result, receiver_copy, form
        return None

    def glue(self, expr: ir.Expr, value: Any, want: Callable[[Any], bool]) -> tuple[ir.Expr, Any] | None:
        """Connect ``expr`` to a slot wanting ``want`` with one or two conversions (or a display)."""
        direct = self._glue_once(expr, value, want)
        if direct is not None:
            return direct
        lifted = self._lift(expr, value, want)
        if lifted is not None:
            return lifted
        for template, applies, fn in GLUE:
            if applies(value):
                try:
                    middle = fn(fast_copy(value))
                except Exception:
                    continue
                step = ir.Op(template, [expr], fn)
                second = self._glue_once(step, middle, want) or self._lift(step, middle, want)
                if second is not None:
                    return second
        return None

    def _lift(self, expr: ir.Expr, value: Any, want: Callable[[Any], bool]) -> tuple[ir.Expr, Any] | None:
        """Put a scalar result into a small container display next to fresh elements."""
        if kind_of(value) not in ("int", "str"):
            return None
        extra = [fresh("newelem", self.rng, [value]) for _ in range(self.rng.randint(1, 2))]
        extra = [e for e in extra if e != value] or [value + 1 if isinstance(value, int) else value + "x"]
        names = [ir.Const(e).text for e in extra]
        rest = ", ".join(names)
        candidates = [
            ("[{0}, %s]" % rest, lambda v, xs=tuple(extra): [v, *xs]),
            ("({0}, %s)" % rest, lambda v, xs=tuple(extra): (v, *xs)),
            ("{{0}, %s}" % rest, lambda v, xs=tuple(extra): {v, *xs}),
        ]
        if isinstance(value, int):
            candidates.append(("{'total': {0}, 'extra': %s}" % names[0], lambda v, x=extra[0]: {"total": v, "extra": x}))
        self.rng.shuffle(candidates)
        for template, fn in candidates:
            try:
                lifted = fn(value)
            except TypeError:
                continue
            if want(lifted):
                return ir.Op(template, [expr], fn), lifted
        return None

    def _glue_once(self, expr: ir.Expr, value: Any, want: Callable[[Any], bool]) -> tuple[ir.Expr, Any] | None:
        options = []
        for template, applies, fn in GLUE:
            if applies(value):
                try:
                    converted = fn(fast_copy(value))
                except Exception:
                    continue
                if want(converted):
                    options.append((template, fn, converted))
        if not options:
            return None
        template, fn, converted = self.rng.choice(options)
        return ir.Op(template, [expr], fn), converted

    def nested_focus(self, scope: Scope, depth: int) -> tuple[ir.Expr, Any]:
        """The focus operation nested ``depth`` levels deep (its result feeding the next call)."""
        first = self.apply(self.focus, scope)
        if first is None:
            raise Failed("no receiver for focus")
        expr, value = first[0], first[1]
        for _ in range(depth - 1):
            step = self._nest_once(scope, expr, value)
            if step is None:
                raise Failed("cannot nest focus")
            expr, value = step
        return expr, value

    def _nest_once(self, scope: Scope, inner: ir.Expr, value: Any) -> tuple[ir.Expr, Any] | None:
        options: list[str] = []
        if receiver_ok(self.focus, value):
            options += ["recv"] * 3
        slot_indexes = sorted({i for form in self.focus.forms for i, s in enumerate(form.slots, 1)
                               if s not in ("sep", "fmt")})
        if slot_indexes:
            options += ["arg"] * 2
        options.append("glue")
        self.rng.shuffle(options)
        for choice in dict.fromkeys(options):
            if choice == "recv":
                out = self.apply(self.focus, scope, recv=(inner, value))
            elif choice == "arg":
                out = None
                for index in slot_indexes:
                    out = self.apply(self.focus, scope, fixed=(index, inner, value))
                    if out is not None:
                        break
            else:
                glued = self.glue(inner, value, lambda v: receiver_ok(self.focus, v))
                out = self.apply(self.focus, scope, recv=glued) if glued else None
            if out is not None:
                return out[0], out[1]
        return None

    def pick_other(self, scope: Scope, want: Callable[[Any], bool] | None = None,
                   recv: tuple[ir.Expr, Any] | None = None, stdlib: bool = False,
                   ) -> tuple[ir.Expr, Any] | None:
        """Apply one more built-in operation (not the focus), preferring str/list/set/tuple ones."""
        accepted: set[str] = set()
        for value in ([recv[1]] if recv is not None else list(scope.values.values())):
            accepted |= accepted_receivers(value)
        groups = _STDLIB_BY_RECEIVER if stdlib else _OTHER_BY_RECEIVER
        focus = self.focus
        pool = [o for name in sorted(accepted) for o in groups.get(name, ()) if o is not focus]
        if not pool:
            return None
        weights = [3.0 if o.type in PREFERRED_OTHER_TYPES else 1.0 for o in pool]
        for _ in range(12):
            op = self.rng.choices(pool, weights=weights)[0]
            out = self.apply(op, scope, recv=recv)
            if out is None:
                continue
            if want is not None and not want(out[1]):
                continue
            return out[0], out[1]
        return None

    # ------------------------------------------------------------------------------------- straight code
    def straight(self, scope: Scope, block: list[ir.Stmt], other: bool, pre: float = 0.6) -> tuple[ir.Expr, Any]:
        """Statements computing the nested focus result; returns the final expression (not yet used)."""
        if self.focus.mutates:
            return self.mutator_block(scope, block, other)
        want_focus = lambda v: receiver_ok(self.focus, v)
        used_other = False
        if other and self.rng.random() < pre:
            pre = self.pick_other(scope, want=want_focus, stdlib="stdlib" in self.extras and self.rng.random() < 0.5)
            if pre is not None:
                name = self.namer.result(self._noun_for(pre[0]))
                block.append(ir.Assign(name, self.note(pre[0])))
                scope.bind(name, pre[1])
                used_other = True
        depth = self.rng.choice((2, 2, 3))
        expr, value = self.nested_focus(scope, depth)
        if self.rng.random() < 0.45:
            name = self.namer.result(self.focus.noun)
            block.append(ir.Assign(name, self.note(expr)))
            scope.bind(name, value)
            expr = ir.Var(name)
            if not other and receiver_ok(self.focus, value) and self.rng.random() < 0.6:
                again = self.apply(self.focus, scope, recv=(expr, value))
                if again is not None:
                    expr, value = again[0], again[1]
        if other and (not used_other or self.rng.random() < 0.3):
            post = self.pick_other(scope, recv=(expr, value),
                                   stdlib="stdlib" in self.extras and self.rng.random() < 0.6)
            if post is None:
                post = self.pick_other(scope, recv=(expr, value))
            if post is not None:
                expr, value = post
                used_other = True
        if other and not used_other:
            raise Failed("no other operation fits")
        return expr, value

    def mutator_block(self, scope: Scope, block: list[ir.Stmt], other: bool) -> tuple[ir.Expr, Any]:
        names = [n for n, v in scope.values.items() if receiver_ok(self.focus, v) and n not in scope.iterating]
        if not names:
            raise Failed("no mutable receiver")
        target = self._pick_var(names, scope)
        if other and self.rng.random() < 0.5:
            copied = self.pick_other(scope, want=lambda v: receiver_ok(self.focus, v) and kind_of(v) == kind_of(
                scope.values[target]), recv=(ir.Var(target), scope.values[target]))
            if copied is not None:
                name = self.namer.result("working")
                block.append(ir.Assign(name, self.note(copied[0])))
                scope.bind(name, copied[1])
                target = name
        returned: list[str] = []
        repeats = 1 if self.focus.name in ("clear", "popitem") else self.rng.choice((2, 2, 3))
        for _ in range(repeats):
            stmt = self.mutator_statement(scope, target, returned)
            if stmt is None:
                break
            block.append(stmt)
        if not any(True for _ in returned) and not block:
            raise Failed("mutator did not apply")
        expr: ir.Expr = ir.Var(target)
        value = scope.values[target]
        if returned:
            expr = ir.TupleExpr([ir.Var(n) for n in returned] + [ir.Var(target)])
            value = tuple(scope.values[n] for n in returned) + (scope.values[target],)
        if other and self.rng.random() < 0.7 and not returned:
            post = self.pick_other(scope, recv=(expr, value))
            if post is not None:
                expr, value = post
        return expr, value

    def mutator_statement(self, scope: Scope, target: str, returned: list[str]) -> ir.Stmt | None:
        out = self.apply(self.focus, scope, recv=(ir.Var(target), scope.values[target]))
        if out is None:
            return None
        expr, result, new_receiver, form = out
        self.note(expr)
        scope.bind(target, new_receiver)
        if form.statement == "aug":
            symbol = form.template.split()[1]
            return ir.AugAssign(target, symbol, expr.parts[1], form.fn, tag=self.focus.key)
        if form.statement == "setitem":
            return ir.SetItem(target, expr.parts[1], expr.parts[2], tag=self.focus.key)
        if result is not None:
            name = self.namer.result(self.focus.noun)
            scope.bind(name, result)
            returned.append(name)
            return ir.Assign(name, expr)
        return ir.ExprStmt(expr, mutated=target)

    def _noun_for(self, expr: ir.Expr) -> str:
        if isinstance(expr, ir.Op) and expr.tag is not None:
            op = CATALOG.get(expr.tag) or STDLIB_OPS.get(expr.tag)
            if op is not None:
                return op.noun
        return "value"

    # --------------------------------------------------------------------------------------- control flow
    def condition(self, scope: Scope, want: bool | None = True, names: list[str] | None = None,
                  mixed: bool = False) -> ir.Expr:
        """A condition over variables in ``scope``; when ``want`` is set, its value on the probe must match."""
        if names is None:
            names = list(scope.values)
            recent = names[-3:]
            self.rng.shuffle(recent)
            names = recent + names
        fallback = None
        for _ in range(3):
            for name in names:
                value = scope.values[name]
                expr = self._condition_on(name, value, scope)
                if expr is None or expr.text in self.conditions_used:
                    continue
                try:
                    truth = bool(expr.eval(dict(scope.values), ir.Context(200)))
                except Exception:
                    continue
                if want is not None and truth != want:
                    flipped = _negate(expr)
                    if flipped is None or flipped.text in self.conditions_used:
                        continue
                    expr, truth = flipped, want
                if mixed and name in scope.samples and not self._mixed(expr, name, scope):
                    continue
                if want is None or truth == want:
                    self.conditions_used.add(expr.text)
                    return self.note(expr)
                fallback = fallback or expr
        raise Failed("no condition")

    def _reachable_elif(self, scope: Scope, first: ir.Expr) -> ir.Expr:
        """A second condition that holds for some loop value where ``first`` does not (when that is known)."""
        looped = [n for n in scope.samples if n in scope.values]
        for _ in range(4):
            second = self.condition(scope, want=None)
            if not looped:
                return second
            name = looped[-1]
            env = dict(scope.values)
            for sample in scope.samples[name]:
                env[name] = sample
                try:
                    if not first.eval(env, ir.Context(200)) and second.eval(env, ir.Context(200)):
                        return second
                except Exception:
                    break
        return self.condition(scope, want=None)

    def _mixed(self, expr: ir.Expr, name: str, scope: Scope) -> bool:
        """Whether ``expr`` is true for some and false for other values the loop variable ``name`` takes."""
        env = dict(scope.values)
        seen = set()
        for sample in scope.samples[name]:
            env[name] = sample
            try:
                seen.add(bool(expr.eval(env, ir.Context(200))))
            except Exception:
                return False
        return seen == {True, False}

    def _condition_on(self, name: str, value: Any, scope: Scope) -> ir.Expr | None:
        var = ir.Var(name)
        rng = self.rng
        kind = kind_of(value)
        if kind == "int":
            choice = rng.randrange(4)
            if choice == 0:
                return ir.Op("{0} % 2 == 0", [var], lambda n: n % 2 == 0)
            if choice == 1:
                return ir.Op("{0} % 3 != 0", [var], lambda n: n % 3 != 0)
            threshold = value + rng.randint(-3, 3) if value else rng.randint(1, 12)
            symbol = rng.choice((">", "<", ">="))
            return ir.Op("{0} %s {1}" % symbol, [var, ir.Const(threshold)],
                         {">": lambda a, b: a > b, "<": lambda a, b: a < b, ">=": lambda a, b: a >= b}[symbol])
        if kind == "float":
            threshold = float(round(value)) if rng.random() < 0.5 else 10.0
            return ir.Op("{0} > {1}", [var, ir.Const(threshold)], lambda a, b: a > b)
        if kind == "bool":
            return var if rng.random() < 0.7 else ir.Op("not {0}", [var], lambda b: not b)
        if kind == "str" and value:
            options = ["isalpha", "isdigit", "islower", "isupper", "len", "startswith", "in"]
            choice = rng.choice(options)
            if choice in ("isalpha", "isdigit", "islower", "isupper"):
                return ir.Op("{0}.%s()" % choice, [var], lambda s, m=choice: getattr(s, m)(), tag=("str", choice))
            if choice == "len":
                threshold = max(1, len(value) + rng.randint(-2, 1))
                return ir.Op("len({0}) > {1}", [var, ir.Const(threshold)], lambda s, k: len(s) > k)
            if choice == "startswith":
                return ir.Op("{0}.startswith({1})", [var, ir.Const(value[0])], lambda s, p: s.startswith(p),
                             tag=("str", "startswith"))
            others = [n for n, v in scope.values.items() if n != name and kind_of(v) in ("str", "list_str", "set_str")]
            if others:
                other = rng.choice(others)
                return ir.Op("{0} in {1}", [var, ir.Var(other)], lambda a, b: a in b)
            return ir.Op("{0} != {1}", [var, ir.Const(value)], lambda a, b: a != b)
        if kind in ("list_int", "list_str", "tuple_int", "tuple_str", "set_int", "set_str", "dict") and value:
            threshold = max(0, len(value) + rng.randint(-3, 0))
            return ir.Op("len({0}) > {1}", [var, ir.Const(threshold)], lambda s, k: len(s) > k)
        return None

    def open_nest(self, kinds: list[str], scope: Scope, block: list[ir.Stmt],
                  loops: list[tuple[ir.Stmt, Scope]]) -> tuple[list[ir.Stmt], Scope]:
        """Append the control structure ``kinds[0]`` (containing the rest) to ``block``."""
        kind = kinds[0]
        inner_scope = scope.child()
        body: list[ir.Stmt] = []
        if kind == "for":
            stmt = self._for(scope, inner_scope, body)
            loops.append((stmt, inner_scope))
        elif kind == "while":
            stmt = self._while(scope, inner_scope, body, block)
            loops.append((stmt, inner_scope))
        elif kind == "if":
            stmt = ir.If([(self.condition(scope), body)])
        else:  # if-elif
            first = self.condition(scope, want=True, mixed=True)
            second = self._reachable_elif(scope, first)
            alternate: list[ir.Stmt] = []
            branches = [(first, body), (second, alternate)]
            orelse: list[ir.Stmt] = []
            stmt = ir.If(branches, orelse)
            alt_scope = scope.child()
            self.pending.append(lambda: self._fill_alternate(alternate, alt_scope))
            if self.rng.random() < 0.4:
                self.pending.append(lambda: self._fill_alternate(orelse, alt_scope))
        block.append(stmt)
        if len(kinds) > 1:
            return self.open_nest(kinds[1:], inner_scope, body, loops)
        return body, inner_scope

    def _for(self, scope: Scope, inner: Scope, body: list[ir.Stmt]) -> ir.Stmt:
        options = [n for n, v in scope.values.items() if kind_of(v) in RECEIVER_KINDS_FOR_LOOPS and 1 < len(v) <= 12
                   and not (isinstance(v, str) and len(set(v)) == 1 and self.rng.random() < 0.5)]
        ints = [n for n, v in scope.values.items() if kind_of(v) == "int" and 1 < v <= 20]
        if not options and not ints:
            kind = self.rng.choice(("list_str", "list_int", "str"))
            options = [self.add_param(kind, scope)]
            inner.bind(options[0], fast_copy(scope.values[options[0]]))
        if options and (not ints or self.rng.random() < 0.8):
            name = self._pick_var(options, scope)
            value = scope.values[name]
            self.read[name] += 1
            if isinstance(value, dict):
                if self.rng.random() < 0.5:
                    key, val = self.namer.take("key", "name", "item"), self.namer.take("amount", "count", "quantity")
                    source = ir.Op("{0}.items()", [ir.Var(name)], lambda d: d.items(), tag=("dict", "items"))
                    self.note(source)
                    first_key = next(iter(value))
                    inner.bind(key, first_key)
                    inner.bind(val, value[first_key])
                    inner.samples[key] = list(value)
                    inner.samples[val] = list(value.values())
                    self._loop_var(key, first_key)
                    self._loop_var(val, value[first_key])
                    inner.iterating.add(name)
                    return ir.For([key, val], source, body)
                key = self.namer.take("key", "name", "item")
                inner.bind(key, next(iter(value)))
                inner.samples[key] = list(value)
                self._loop_var(key, next(iter(value)))
                inner.iterating.add(name)
                return ir.For([key], ir.Var(name), body)
            if isinstance(value, set):
                source = ir.Op("sorted({0})", [ir.Var(name)], sorted)
                first = sorted(value)[0]
            else:
                source = ir.Var(name)
                first = value[0]
            loop_var = self.namer.singular(name, kind_of(value))
            inner.bind(loop_var, first)
            inner.samples[loop_var] = sorted(value) if isinstance(value, set) else list(value)
            self._loop_var(loop_var, first)
            inner.iterating.add(name)
            return ir.For([loop_var], source, body)
        name = self._pick_var(ints, scope)
        self.read[name] += 1
        loop_var = self.namer.take("index", "step", "position", "offset")
        if self.rng.random() < 0.5:
            source = ir.Op("range({0})", [ir.Var(name)], range)
            inner.bind(loop_var, 0)
        else:
            start = self.rng.randint(1, 3)
            source = ir.Op("range({0}, {1})", [ir.Const(start), ir.Var(name)], range)
            inner.bind(loop_var, start)
        self._loop_var(loop_var, inner.values[loop_var])
        inner.samples[loop_var] = list(source.eval(dict(scope.values), ir.Context(100)))
        return ir.For([loop_var], source, body)

    def _loop_var(self, name: str, probe: Any) -> None:
        self.loop_vars.append(name)
        self.loop_probe[name] = probe

    def _while(self, scope: Scope, inner: Scope, body: list[ir.Stmt], block: list[ir.Stmt]) -> ir.Stmt:
        counter = self.namer.take("position", "index", "cursor", "attempt", "round_number")
        block.append(ir.Assign(counter, ir.Const(0)))
        seqs = [n for n, v in scope.values.items() if kind_of(v) in ("str", "list_int", "list_str", "tuple_int",
                                                                        "tuple_str") and 1 < len(v) <= 12]
        ints = [n for n, v in scope.values.items() if kind_of(v) == "int" and 1 < v <= 20]
        step = self.rng.choice((1, 1, 2))
        inner.bind(counter, 0)
        element_stmt = None
        if seqs and (not ints or self.rng.random() < 0.7):
            seq = self._pick_var(seqs, scope)
            self.read[seq] += 1
            cond = ir.Op("{0} < len({1})", [ir.Var(counter), ir.Var(seq)], lambda i, s: i < len(s))
            if self.rng.random() < 0.7:
                element = self.namer.singular(seq, kind_of(scope.values[seq]))
                element_stmt = ir.Assign(element, ir.Op("{0}[{1}]", [ir.Var(seq), ir.Var(counter)],
                                                        lambda s, i: s[i], tag=(_seq_type(scope.values[seq]),
                                                                                 "[index]")))
                self.note(element_stmt.value)
                inner.bind(element, scope.values[seq][0])
        elif ints:
            limit = self._pick_var(ints, scope)
            self.read[limit] += 1
            cond = ir.Op("{0} < {1}", [ir.Var(counter), ir.Var(limit)], lambda i, n: i < n)
        else:
            cond = ir.Op("{0} < {1}", [ir.Var(counter), ir.Const(self.rng.randint(3, 6))], lambda i, n: i < n)
        try:
            limit_value = next(p for p in cond.parts[1:]).eval(dict(scope.values), ir.Context(50))
            limit_value = len(limit_value) if not isinstance(limit_value, int) else limit_value
            inner.samples[counter] = list(range(0, limit_value, step))
        except Exception:
            pass
        if element_stmt is not None:
            body.append(element_stmt)
        increment = ir.AugAssign(counter, "+=", ir.Const(step), lambda a, b: a + b)
        self.pending.append(lambda: body.append(increment))
        self.read[counter] += 1
        return ir.While(cond, body)

    def _fill_alternate(self, block: list[ir.Stmt], scope: Scope) -> None:
        if self.acc is None:
            raise Failed("no accumulator for the alternate branch")
        name, strategy = self.acc
        for stmt in self.simple_update(name, strategy, scope):
            stmt.optional = True
            block.append(stmt)

    def simple_update(self, name: str, strategy: str, scope: Scope) -> list[ir.Stmt]:
        """A short statement updating the accumulator without the focus operation."""
        recent = list(scope.values)[::-1]
        if strategy == "append":
            elem_kind = self._acc_elem_kind
            for var in recent:
                if kind_of(scope.values[var]) == elem_kind:
                    self.read[var] += 1
                    return [ir.ExprStmt(ir.Op("{0}.append({1})", [ir.Var(name), ir.Var(var)], lambda a, b: a.append(b),
                                              tag=("list", "append")), mutated=name)]
            return [ir.ExprStmt(ir.Op("{0}.append({1})", [ir.Var(name), ir.Const(self._acc_default)],
                                      lambda a, b: a.append(b), tag=("list", "append")), mutated=name)]
        if strategy == "concat":
            for var in recent:
                value = scope.values[var]
                if isinstance(value, str) and len(value) <= 6:
                    self.read[var] += 1
                    return [ir.AugAssign(name, "+=", ir.Var(var), lambda a, b: a + b)]
            return [ir.AugAssign(name, "+=", ir.Const(self.rng.choice(("-", "*", "."))), lambda a, b: a + b)]
        if strategy == "sum":
            return [ir.AugAssign(name, "-=", ir.Const(1), lambda a, b: a - b)]
        if strategy == "last":
            for var in recent:
                if kind_of(scope.values[var]) == self._acc_elem_kind and var != name:
                    self.read[var] += 1
                    return [ir.Assign(name, ir.Var(var))]
            if size_of(self._acc_default) <= 4:
                return [ir.Assign(name, ir.Const(self._acc_default))]
            raise Failed("no small value for the alternate branch")
        if strategy == "mutate":
            return [ir.AugAssign(self.counter("skipped"), "+=", ir.Const(1), lambda a, b: a + b)]
        raise Failed(f"no simple update for {strategy}")


_FLIP = {" > ": " <= ", " <= ": " > ", " < ": " >= ", " >= ": " < ", " == ": " != ", " != ": " == ", " in ": " not in "}


def _negate(expr: ir.Expr) -> ir.Expr | None:
    """The condition's negation, written the way a person would (flipped comparison or ``not``)."""
    if isinstance(expr, ir.Op):
        for old, new in _FLIP.items():
            if old in expr.template and expr.template.count(old) == 1 and " not in " not in expr.template:
                fn = expr.fn
                return ir.Op(expr.template.replace(old, new), list(expr.parts), lambda *a, f=fn: not f(*a))
        if expr.template.startswith("not "):
            return None
        return ir.Op("not {0}", [expr], lambda v: not v)
    if isinstance(expr, ir.Var):
        return ir.Op("not {0}", [expr], lambda v: not v)
    return None


def _group(ops) -> dict[str, tuple[Operation, ...]]:
    out: dict[str, list[Operation]] = {}
    for op in ops:
        if not op.mutates:
            out.setdefault(op.receiver, []).append(op)
    return {k: tuple(v) for k, v in out.items()}


_OTHER_BY_RECEIVER = _group(CATALOG.values())
_STDLIB_BY_RECEIVER = _group(STDLIB_OPS.values())


def accepted_receivers(value: Any) -> set[str]:
    """Names of the receiver predicates ``value`` satisfies."""
    return {name for name, pred in RECEIVERS.items() if pred(value)}


def _seq_type(value: Any) -> str:
    return {str: "str", list: "list", tuple: "tuple"}[type(value)]


# ------------------------------------------------------------------------------------------- expression walk
def expr_children(expr: ir.Expr) -> list[ir.Expr]:
    out: list[ir.Expr] = []
    out.extend(getattr(expr, "parts", None) or [])
    for attr in ("left", "right", "elt", "source", "cond"):
        sub = getattr(expr, attr, None)
        if isinstance(sub, ir.Expr):
            out.append(sub)
    out.extend(getattr(expr, "items", None) or [])
    if isinstance(expr, ir.Call):
        out.extend(expr.args)
    return out


def stmt_exprs(stmt: ir.Stmt) -> list[ir.Expr]:
    if isinstance(stmt, (ir.Assign, ir.AugAssign, ir.Return)):
        return [stmt.value]
    if isinstance(stmt, ir.SetItem):
        return [stmt.key, stmt.value]
    if isinstance(stmt, ir.ExprStmt):
        return [stmt.value]
    if isinstance(stmt, ir.If):
        return [cond for cond, _ in stmt.branches]
    if isinstance(stmt, ir.For):
        return [stmt.source]
    if isinstance(stmt, ir.While):
        return [stmt.cond]
    if isinstance(stmt, ir.Raise):
        return [stmt.message]
    return []


def stmt_tags(stmt: ir.Stmt) -> list[tuple[str, str]]:
    out = [stmt.tag] if isinstance(stmt, (ir.AugAssign, ir.SetItem)) and stmt.tag is not None else []
    for expr in stmt_exprs(stmt):
        out.extend(op_tags(expr))
    return out


def op_tags(expr: ir.Expr) -> list[tuple[str, str]]:
    out = [expr.tag] if isinstance(expr, ir.Op) and expr.tag is not None else []
    for child in expr_children(expr):
        out.extend(op_tags(child))
    return out


def nesting_depth(expr: ir.Expr, tag: tuple[str, str]) -> int:
    """The longest chain of ``tag`` operations nested inside one another in ``expr``."""
    best = 0
    for child in expr_children(expr):
        best = max(best, nesting_depth(child, tag))
    if isinstance(expr, ir.Op) and expr.tag == tag:
        return best + 1
    return best


def external_reads(stmt: ir.Stmt) -> set[str]:
    """Names a statement reads, not counting the variable it updates in place."""
    if isinstance(stmt, ir.AugAssign):
        return stmt.value.names()
    if isinstance(stmt, ir.SetItem):
        return stmt.key.names() | stmt.value.names()
    if isinstance(stmt, ir.ExprStmt) and stmt.mutated:
        return stmt.value.names() - {stmt.mutated}
    out: set[str] = set()
    for expr in stmt_exprs(stmt):
        out |= expr.names()
    return out


def stmt_writes(stmt: ir.Stmt) -> set[str]:
    if isinstance(stmt, (ir.Assign, ir.AugAssign)):
        return {stmt.target}
    if isinstance(stmt, ir.For):
        return set(stmt.targets)
    return set()


def control_depth(stmts: list[ir.Stmt]) -> int:
    best = 0
    for stmt in stmts:
        inner = max((control_depth(block) for block in stmt.children()), default=0)
        if isinstance(stmt, (ir.If, ir.For, ir.While)):
            inner += 1
        best = max(best, inner)
    return best


# ---------------------------------------------------------------------------------------------- whole programs
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
                 if s in ("str", "sub", "prefix", "suffix", "char", "int", "anyelem", "anykey", "same", "seq")]
        if not slots:
            return
        slot = self.rng.choice(slots)
        try:
            value = fresh(slot, self.rng, scope.values[receiver])
        except NoValue:
            return
        kind = kind_of(value)
        if kind not in ("str", "int", "list_int", "list_str", "set_int", "set_str", "tuple_int", "tuple_str"):
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
        if len(unread) == 1:
            expr = ir.TupleExpr([ir.Var(unread[0]), expr])
            value = (self.loop_probe.get(unread[0]), value)
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
        saved_namer_used = set(self.namer.used)
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
        del saved_namer_used
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
                                                    tag=(_seq_type(seq_value), "[index:]")))
        else:
            element_stmt = ir.Assign(element, ir.Op("{0}[{1}]", [ir.Var(seq), ir.Var(index)], lambda s, i: s[i],
                                                    tag=(_seq_type(seq_value), "[index]")))
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
                if True:
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
