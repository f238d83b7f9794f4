"""Standard-library operations used as "other operations" at level 8.

Contract: ``STDLIB_OPS`` maps ``(module, function)`` to an ``Operation`` (same shape as the catalog) whose
``imports`` are the import statements it needs; every result is a plain literal (views, iterators and
Counter objects are converted with ``list()``/``dict()`` in the template itself).
"""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import math
import string
from collections import Counter, OrderedDict, deque

from execgym.synth.catalog import Form, Operation


def _op(module: str, name: str, receiver: str, template: str, slots: tuple[str, ...], fn, imports: str,
        noun: str) -> Operation:
    return Operation(module, name, receiver, (Form(template, slots, fn),), noun, False, (imports,))


_LIST = [
    _op("math", "gcd", "int", "math.gcd({0}, {1})", ("int",), math.gcd, "import math", "divisor"),
    _op("math", "sqrt", "int", "math.sqrt({0})", (), math.sqrt, "import math", "root"),
    _op("math", "isqrt", "int", "math.isqrt({0})", (), math.isqrt, "import math", "root"),
    _op("math", "prod", "ints+", "math.prod({0})", (), math.prod, "import math", "product"),
    _op("math", "comb", "int", "math.comb({0}, {1})", ("small",), math.comb, "import math", "ways"),
    _op("math", "fsum", "ints+", "math.fsum({0})", (), math.fsum, "import math", "total"),
    _op("collections", "Counter", "strs", "dict(Counter({0}))", (), lambda s: dict(Counter(s)),
        "from collections import Counter", "tally"),
    _op("collections", "Counter.most_common", "strs", "Counter({0}).most_common({1})", ("small",),
        lambda s, k: Counter(s).most_common(k), "from collections import Counter", "frequent"),
    _op("collections", "deque", "seq+", "list(deque({0}, maxlen=3))", (), lambda s: list(deque(s, maxlen=3)),
        "from collections import deque", "latest"),
    _op("collections", "OrderedDict", "seq+", "list(OrderedDict.fromkeys({0}))", (),
        lambda s: list(OrderedDict.fromkeys(s)), "from collections import OrderedDict", "unique"),
    _op("itertools", "accumulate", "ints+", "list(accumulate({0}))", (), lambda s: list(itertools.accumulate(s)),
        "from itertools import accumulate", "running"),
    _op("itertools", "combinations", "seq+", "list(combinations({0}[:4], 2))", (),
        lambda s: list(itertools.combinations(s[:4], 2)), "from itertools import combinations", "pairs"),
    _op("itertools", "chain", "seq+", "list(chain({0}, {1}))", ("seq",), lambda a, b: list(itertools.chain(a, b)),
        "from itertools import chain", "chained"),
    _op("itertools", "islice", "seq+", "list(islice({0}, {1}))", ("small",),
        lambda s, k: list(itertools.islice(s, k)), "from itertools import islice", "first_few"),
    _op("itertools", "pairwise", "seq+", "list(pairwise({0}))", (), lambda s: list(itertools.pairwise(s)),
        "from itertools import pairwise", "neighbours"),
    _op("itertools", "groupby", "seq+", "[(key, len(list(group))) for key, group in groupby({0})]", (),
        lambda s: [(k, len(list(g))) for k, g in itertools.groupby(s)], "from itertools import groupby", "runs"),
    _op("functools", "reduce", "ints+", "reduce(lambda left, right: left * 2 + right, {0})", (),
        lambda s: functools.reduce(lambda left, right: left * 2 + right, s), "from functools import reduce",
        "folded"),
    _op("functools", "reduce_max", "seq+", "reduce(max, {0})", (), lambda s: functools.reduce(max, s),
        "from functools import reduce", "largest"),
    _op("bisect", "bisect_left", "ints+", "bisect_left(sorted({0}), {1})", ("int",),
        lambda s, x: bisect.bisect_left(sorted(s), x), "from bisect import bisect_left", "slot"),
    _op("bisect", "bisect_right", "ints+", "bisect.bisect_right(sorted({0}), {1})", ("int",),
        lambda s, x: bisect.bisect_right(sorted(s), x), "import bisect", "slot"),
    _op("heapq", "nlargest", "seq+", "heapq.nlargest(2, {0})", (), lambda s: heapq.nlargest(2, s), "import heapq",
        "top_two"),
    _op("heapq", "nsmallest", "seq+", "nsmallest(3, {0})", (), lambda s: heapq.nsmallest(3, s),
        "from heapq import nsmallest", "bottom_three"),
    _op("string", "capwords", "str", "string.capwords({0})", (), string.capwords, "import string", "capitalized"),
    _op("string", "punctuation", "str", "{0}.strip(string.punctuation)", (),
        lambda s: s.strip(string.punctuation), "import string", "trimmed"),
    _op("string", "ascii_letters", "str", "''.join(char for char in {0} if char in string.ascii_letters)", (),
        lambda s: "".join(c for c in s if c in string.ascii_letters), "import string", "letters_only"),
    _op("string", "digits", "str", "sum(1 for char in {0} if char in string.digits)", (),
        lambda s: sum(1 for c in s if c in string.digits), "import string", "digit_count"),
]

STDLIB_OPS: dict[tuple[str, str], Operation] = {o.key: o for o in _LIST}
