"""REval's ClassEval half (``DREval/85``-``153``): its test classes, and the sandbox programs for it.

A ClassEval record holds a class (``code``), a unittest module (``test``) and, per input, the body of
one test method with ``self.assert`` written ``assert`` (``inputs[i]``). REval (``dataset.py``,
``dynamics.py``) executes the unittest module, takes the classes named ``{entry}Test...`` deriving
from ``unittest.TestCase`` in definition order -- input ``i`` belongs to the ``i``-th -- keeps the
first ``test*`` method of each, calls ``setUp()`` untraced, then traces the test method: only the
class's own frames (the class code's lines) are recorded. This module finds the same classes by
parsing (nothing is executed in the caller) and builds the programs that reproduce those runs in
execgym's sandbox:

* ``truth_program``: the class code as the traced source, followed by an untraced harness (module
  level, so not traced) that compiles the unittest module under another file name, instantiates
  the test class and calls ``setUp()``; the call is the test method. Line numbers are the class
  code's, as in REval.
* ``capture_program``: the same test body with each expression that the Output question masks
  (``??``: REval masks the checked argument of each assertion, after an ``ast`` round trip) wrapped
  in a recorder, run as a method of the test class (REval's ``FunctionFactory.create_from_answer``);
  its return value maps each mask to its expression's first value.
* ``official_output_program``: REval's Output check -- the model's completed test body as a method
  of the test class, after ``setUp()``; it passes when it raises nothing.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

from execgym import astparse

TEST_FILENAME = "<dreval-test>"
ANSWER_FILENAME = "<dreval-answer>"
_MAX_BASE_DEPTH = 16


@dataclass(frozen=True)
class ClassEvalCase:
    """One ClassEval input: the test class, its first test method, and the body of the ``setUp``
    it runs (dedented; ``""`` when only ``unittest.TestCase``'s empty hook runs)."""

    test_class: str
    method: str
    setup: str


def classeval_cases(entry: str, test_code: str) -> list[ClassEvalCase]:
    """REval's test classes for class ``entry`` in ``test_code``, in input order.

    Raises ``SyntaxError`` when the unittest module does not parse."""
    tree = astparse.parse(test_code)
    classes: dict[str, ast.ClassDef] = {}
    testcases: set[str] = set()
    cases: list[ClassEvalCase] = []
    pattern = re.compile(f"{re.escape(entry)}Test")
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        classes[node.name] = node
        if not any(_is_testcase_base(b, testcases) for b in node.bases):
            continue
        testcases.add(node.name)
        if not pattern.match(node.name):
            continue
        tests = [n.name for n in node.body
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")]
        if not tests:
            continue  # REval asserts here; such a class yields no input
        setup = _setup_body(test_code, node, classes, 0)
        cases.append(ClassEvalCase(node.name, tests[0], setup))
    return cases


def _is_testcase_base(base: ast.expr, testcases: set[str]) -> bool:
    if isinstance(base, ast.Attribute):
        return base.attr == "TestCase"
    if isinstance(base, ast.Name):
        return base.id == "TestCase" or base.id in testcases
    return False


def _setup_body(test_code: str, node: ast.ClassDef, classes: dict[str, ast.ClassDef], depth: int) -> str:
    """The body of the ``setUp`` that ``node``'s instances run (own, or a base defined in the module)."""
    for item in node.body:
        if isinstance(item, ast.FunctionDef) and item.name == "setUp":
            segment = ast.get_source_segment(test_code, item) or ""
            body = segment.split("\n", 1)[1] if "\n" in segment else ""
            return textwrap.dedent(body).strip("\n")
    if depth >= _MAX_BASE_DEPTH:
        return ""
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id in classes and classes[base.id] is not node:
            found = _setup_body(test_code, classes[base.id], classes, depth + 1)
            if found:
                return found
    return ""


def _harness(test_code: str, test_class: str) -> str:
    """Module-level (untraced) lines: the unittest module under its own file name, in a copy of the
    program's globals (``__name__`` is not ``__main__``: no ``unittest.main()``), and ``_dreval_cls``."""
    return (
        "\n\n"
        "_dreval_ns = dict(globals())\n"
        "_dreval_ns['__name__'] = 'dreval_test'\n"
        f"exec(compile({test_code!r}, {TEST_FILENAME!r}, 'exec'), _dreval_ns)\n"
        f"_dreval_cls = _dreval_ns[{test_class!r}]\n"
    )


def truth_program(code: str, test_code: str, case: ClassEvalCase) -> tuple[str, str]:
    """(source, call) whose trace is REval's ground truth for ``case``."""
    source = code + _harness(test_code, case.test_class) + (
        "_dreval_case = _dreval_cls()\n"
        "_dreval_case.setUp()\n"
    )
    return source, f"_dreval_case.{case.method}()"


def answer_function(generated: str) -> str:
    """REval's ``FunctionFactory.create_from_answer``: ``generated`` as the body of
    ``dreval_output_pred(self)``, every ``assert`` turned into ``self.assert``."""
    code = "def dreval_output_pred(self):"
    in_string_block = False
    for line in generated.split("\n"):
        code += f"\n{line}" if in_string_block else f"\n\t{line}"
        if "'''" in line or '"""' in line:
            in_string_block = not in_string_block
    return code.replace("assert", "self.assert")


def _method_program(code: str, test_code: str, case: ClassEvalCase, body: str) -> str:
    return code + _harness(test_code, case.test_class) + (
        f"exec(compile({answer_function(body)!r}, {ANSWER_FILENAME!r}, 'exec'), _dreval_ns)\n"
        "_dreval_cls.dreval_output_pred = _dreval_ns['dreval_output_pred']\n"
        "_dreval_case = _dreval_cls()\n"
        "_dreval_case.setUp()\n"
    )


def official_output_program(code: str, test_code: str, case: ClassEvalCase, completed: str) -> str:
    """REval's Output check for ClassEval as one module: passes when it runs without an exception."""
    return _method_program(code, test_code, case, completed) + "_dreval_case.dreval_output_pred()\n"


MASK = "_dreval_mask_"


def _template(given: str) -> ast.Module | None:
    """The Output question's test code with every ``??`` as the name ``MASK`` (None: no parse)."""
    if "??" not in given or MASK in given:
        return None
    try:
        return astparse.parse(given.replace("??", MASK))
    except (SyntaxError, ValueError):
        return None


def _match(template: ast.AST, node: ast.AST, holes: list[ast.expr]) -> bool:
    """``node`` has ``template``'s shape; each ``MASK`` name matches any expression (kept in order)."""
    if isinstance(template, ast.Name) and template.id == MASK:
        if not isinstance(node, ast.expr):
            return False
        holes.append(node)
        return True
    if type(template) is not type(node):
        return False
    for field, want in ast.iter_fields(template):
        if field in ("ctx", "type_comment", "kind"):
            continue
        got = getattr(node, field, None)
        if isinstance(want, list):
            if not isinstance(got, list) or len(want) != len(got):
                return False
            for w, g in zip(want, got):
                if isinstance(w, ast.AST):
                    if not isinstance(g, ast.AST) or not _match(w, g, holes):
                        return False
                elif w != g:
                    return False
        elif isinstance(want, ast.AST):
            if not isinstance(got, ast.AST) or not _match(want, got, holes):
                return False
        elif want != got:
            return False
    return True


def holes(text: str, given: str) -> list[ast.expr] | None:
    """The expressions of the test code ``text`` that ``given`` shows as ``??``, in order; None when
    ``text`` is not ``given`` with something in each ``??`` (compared as syntax trees)."""
    try:
        tree = astparse.parse(text)
    except (SyntaxError, ValueError):
        return None
    return _holes_in(tree, given)


def _holes_in(tree: ast.Module, given: str) -> list[ast.expr] | None:
    template = _template(given)
    if template is None:
        return None
    found: list[ast.expr] = []
    return found if _match(template, tree, found) and found else None


class _Recorder(ast.NodeTransformer):
    def __init__(self, targets: list[ast.expr]) -> None:
        self.index = {id(t): i for i, t in enumerate(targets)}

    def visit(self, node: ast.AST) -> ast.AST:
        i = self.index.get(id(node))
        if i is not None:
            return ast.Call(ast.Name("_dreval_capture", ast.Load()), [ast.Constant(i), node], [])
        return self.generic_visit(node)


def capture_program(code: str, test_code: str, case: ClassEvalCase, test_body: str,
                    given: str) -> tuple[str, str, int] | None:
    """(source, call, n): the test body with each expression the Output question masks recorded;
    the call returns ``{i: first value of masked expression i}``. None when the question's text
    does not line up with the test body."""
    try:
        tree = astparse.parse(test_body)
    except (SyntaxError, ValueError):
        return None
    targets = _holes_in(tree, given)
    if targets is None:
        return None
    tree = ast.fix_missing_locations(_Recorder(targets).visit(tree))
    body = ast.unparse(tree)
    source = _method_program(code, test_code, case, body).replace(
        "_dreval_case = _dreval_cls()\n",
        "_dreval_box = {}\n"
        "_dreval_ns['_dreval_capture'] = lambda i, value: (_dreval_box.setdefault(i, value), value)[1]\n"
        "_dreval_case = _dreval_cls()\n", 1)
    return source, "(_dreval_case.dreval_output_pred(), _dreval_box)[1]", len(targets)


def answer_values(completed: str, given: str) -> list[str] | None:
    """The source text the model put in each ``??`` of ``given`` (None: the rest of the test
    differs from the question's)."""
    found = holes(completed, given)
    if found is None:
        return None
    return [ast.get_source_segment(completed, n) or ast.unparse(n) for n in found]


def has_attribute(var: str) -> bool:
    """Whether REval's variable expression reads an attribute (``self.x``): execgym's trace keeps
    objects of program-defined classes as opaque markers, so such a value is not known."""
    try:
        tree = astparse.parse(var, mode="eval")
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Attribute) for n in ast.walk(tree))
