"""Writing code a piece at a time: typed operation calls, nested focus calls, conditions, loops.

Contract: a ``Builder`` holds one program's state (parameters, names, probe values of the variables in scope)
and emits IR (``execgym.synth.ir``) whose values it knows on the first pass, so every argument it picks meets
the operation's preconditions on the generator's own run. ``Failed`` means "give up this draw".
Whole programs are assembled by ``execgym.synth.programs``.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from execgym.synth import ir
from execgym.synth.analysis import external_reads
from execgym.synth.catalog import CATALOG, RECEIVERS, Operation, receiver_ok
from execgym.synth.levels import LevelSpec
from execgym.synth.names import Namer
from execgym.synth.slots import NoValue, accepts, fresh
from execgym.synth.stdlib import STDLIB_OPS
from execgym.synth.values import RECEIVER_KINDS_FOR_LOOPS, draw_of_kind, fast_copy, kind_of, size_of

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
        self.alternates = 0
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
        position = {name: i for i, name in enumerate(scope.values)}
        scale = max(1, len(position))
        read = self.read
        weights = []
        for name in names:
            weight = 1.0 + position[name] / scale
            count = read[name]
            if count < 0:
                weight += 20.0
            elif count == 0:
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
        used_other = False
        if other and self.rng.random() < 0.5:
            copied = self.pick_other(scope, want=lambda v: receiver_ok(self.focus, v) and kind_of(v) == kind_of(
                scope.values[target]), recv=(ir.Var(target), scope.values[target]))
            if copied is not None:
                used_other = True
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
        if other and (not used_other or self.rng.random() < 0.5):
            target_value = scope.values[target]
            post = self.pick_other(scope, recv=(ir.Var(target), target_value))
            if post is not None:
                used_other = True
                if returned:
                    expr = ir.TupleExpr([ir.Var(n) for n in returned] + [post[0]])
                    value = tuple(scope.values[n] for n in returned) + (post[1],)
                else:
                    expr, value = post
        if other and not used_other:
            raise Failed("no other operation fits")
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
                self.pending.append(lambda: self._fill_alternate(orelse, alt_scope, after=alternate))
        block.append(stmt)
        if len(kinds) > 1:
            return self.open_nest(kinds[1:], inner_scope, body, loops)
        return body, inner_scope

    def _for(self, scope: Scope, inner: Scope, body: list[ir.Stmt]) -> ir.Stmt:
        nested = bool(scope.samples)  # inside another loop: keep the inner one short
        longest = 6 if nested else 12
        options = [n for n, v in scope.values.items() if kind_of(v) in RECEIVER_KINDS_FOR_LOOPS
                   and 1 < len(v) <= longest
                   and not (isinstance(v, str) and len(set(v)) == 1 and self.rng.random() < 0.5)]
        ints = [n for n, v in scope.values.items() if kind_of(v) == "int" and 1 < v <= (6 if nested else 20)]
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
        nested = bool(scope.samples)  # inside another loop: keep the inner one short
        seqs = [n for n, v in scope.values.items() if kind_of(v) in ("str", "list_int", "list_str", "tuple_int",
                                                                        "tuple_str") and 1 < len(v) <= 12]
        ints = [n for n, v in scope.values.items() if kind_of(v) == "int" and 1 < v <= (8 if nested else 20)]
        step = self.rng.choice((1, 2, 2) if nested else (1, 1, 2))
        inner.bind(counter, 0)
        element_stmt = None
        if seqs and (not ints or self.rng.random() < 0.7):
            seq = self._pick_var(seqs, scope)
            self.read[seq] += 1
            cond = ir.Op("{0} < len({1})", [ir.Var(counter), ir.Var(seq)], lambda i, s: i < len(s))
            if self.rng.random() < 0.7:
                element = self.namer.singular(seq, kind_of(scope.values[seq]))
                element_stmt = ir.Assign(element, ir.Op("{0}[{1}]", [ir.Var(seq), ir.Var(counter)],
                                                        lambda s, i: s[i], tag=(seq_type(scope.values[seq]),
                                                                                 "[index]")))
                self.note(element_stmt.value)
                inner.bind(element, scope.values[seq][0])
                inner.samples[element] = list(scope.values[seq])
                self._loop_var(element, scope.values[seq][0])
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

    def _fill_alternate(self, block: list[ir.Stmt], scope: Scope, after: list[ir.Stmt] | None = None) -> None:
        """Fill an elif (or, with ``after``, an else) body with a simple accumulator update."""
        if self.acc is None:
            raise Failed("no accumulator for the alternate branch")
        name, strategy = self.acc
        options = self.simple_updates(name, strategy, scope)
        if not options:
            raise Failed("no simple update for the alternate branch")
        stmt = options[self.alternates % len(options)]
        self.alternates += 1
        if after is not None and any(stmt.render(0) == other.render(0) for other in after):
            return  # an else doing what the elif does reads badly: leave the else out
        stmt.optional = True
        for var in external_reads(stmt):
            self.read[var] += 1
        block.append(stmt)

    def simple_updates(self, name: str, strategy: str, scope: Scope) -> list[ir.Stmt]:
        """Short statements updating the accumulator without the focus operation (alternatives first)."""
        recent = [v for v in list(scope.values)[::-1] if v != name]
        small = size_of(self._acc_default) <= 4
        out: list[ir.Stmt] = []
        if strategy == "append":
            def append(arg: ir.Expr) -> ir.Stmt:
                return ir.ExprStmt(ir.Op("{0}.append({1})", [ir.Var(name), arg], lambda a, b: a.append(b),
                                         tag=("list", "append")), mutated=name)
            out = [append(ir.Var(v)) for v in recent if kind_of(scope.values[v]) == self._acc_elem_kind][:2]
            if small:
                out.append(append(ir.Const(self._acc_default)))
            if not out:
                out = [append(ir.Var(v)) for v in recent if size_of(scope.values[v]) <= 12][:2]
        elif strategy == "concat":
            out = [ir.AugAssign(name, "+=", ir.Var(v), lambda a, b: a + b) for v in recent
                   if isinstance(scope.values[v], str) and len(scope.values[v]) <= 6][:2]
            out += [ir.AugAssign(name, "+=", ir.Const(c), lambda a, b: a + b) for c in self.rng.sample("-*.", 2)]
        elif strategy == "sum":
            out = [ir.AugAssign(name, "-=", ir.Const(1), lambda a, b: a - b),
                   ir.AugAssign(name, "+=", ir.Const(2), lambda a, b: a + b)]
        elif strategy == "last":
            out = [ir.Assign(name, ir.Var(v)) for v in recent
                   if kind_of(scope.values[v]) == self._acc_elem_kind][:2]
            if small:
                out.append(ir.Assign(name, ir.Const(self._acc_default)))
            if not out:
                out = [ir.Assign(name, ir.Var(v)) for v in recent if size_of(scope.values[v]) <= 12][:2]
        elif strategy == "mutate":
            counter = self.counter("skipped")
            out = [ir.AugAssign(counter, "+=", ir.Const(1), lambda a, b: a + b)]
        return out


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


_RECEIVER_CACHE: dict[tuple, frozenset[str]] = {}


def accepted_receivers(value: Any) -> frozenset[str]:
    """Names of the receiver predicates ``value`` satisfies (memoised on what the predicates look at)."""
    kind = kind_of(value)
    if isinstance(value, (str, list, tuple, set, dict)):
        extra = all(isinstance(k, int) for k in value) if isinstance(value, dict) else None
        key: tuple = (kind, min(len(value), 41), extra)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        key = (kind, abs(value) < 1e6)
    else:
        key = (kind,)
    hit = _RECEIVER_CACHE.get(key)
    if hit is None:
        hit = frozenset(name for name, pred in RECEIVERS.items() if pred(value))
        if len(_RECEIVER_CACHE) < 10_000:
            _RECEIVER_CACHE[key] = hit
    return hit


def seq_type(value: Any) -> str:
    return {str: "str", list: "list", tuple: "tuple"}[type(value)]
