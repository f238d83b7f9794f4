"""Hand-written programs for the tracer tests: (source, call, expected steps).

Expected steps are written compactly, one token per step: ``C<line>`` call, ``L<line>.<count>`` line,
``R<line>`` return, ``E<line>`` exception, plus ``@<frame>`` when the frame id is not 1.
Loaded with ``runpy.run_path`` by the tests (this file is data, not a test module).
"""

PROGRAMS: dict[str, tuple[str, str, str]] = {}

PROGRAMS['for_else_break'] = (
    """def f(xs):
    for x in xs:
        if x > 2:
            break
    else:
        x = -1
    return x
""",
    'f([1, 3, 5])',
    'C1 L2.1 L3.1 L2.2 L3.2 L4.1 L7.1 R7',
)

PROGRAMS['while_else'] = (
    """def f(n):
    i = 0
    while i < n:
        i += 1
        if i == 10:
            break
    else:
        i = -i
    return i
""",
    'f(2)',
    'C1 L2.1 L3.1 L4.1 L5.1 L3.2 L4.2 L5.2 L3.3 L8.1 L9.1 R9',
)

PROGRAMS['try_finally_return'] = (
    """def f(x):
    try:
        return 10 // x
    except ZeroDivisionError:
        return -1
    finally:
        x = 0
""",
    'f(0)',
    'C1 L2.1 L3.1 E3 L4.1 L5.1 L7.1 R5',
)

PROGRAMS['try_finally_ok'] = (
    """def f(x):
    try:
        y = 10 // x
        return y
    finally:
        x = 0
""",
    'f(2)',
    'C1 L2.1 L3.1 L4.1 L6.1 R4',
)

PROGRAMS['nested_exc'] = (
    """def g(x):
    return 1 / x

def f(x):
    try:
        return g(x)
    except ZeroDivisionError as e:
        msg = 'bad'
    return msg
""",
    'f(0)',
    'C4 L5.1 L6.1 C1@2 L2.1@2 E2@2 E6 L7.1 L8.1 L9.1 R9',
)

PROGRAMS['uncaught'] = (
    """def g(x):
    raise ValueError('no ' + str(x))

def f(x):
    y = x + 1
    return g(y)
""",
    'f(1)',
    'C4 L5.1 L6.1 C1@2 L2.1@2 E2@2 E6',
)

PROGRAMS['listcomp'] = (
    """def f(n):
    xs = [i * i for i in range(n) if i % 2 == 0]
    ys = {i: i for i in xs}
    zs = {i for i in xs}
    s = sum(x for x in xs)
    return xs, ys, zs, s
""",
    'f(5)',
    'C1 L2.1 L3.1 L4.1 L5.1 L6.1 R6',
)

PROGRAMS['multiline_comp'] = (
    """def sq(v):
    return v * v

def f(n):
    xs = [
        sq(i)
        for i in range(n)
    ]
    return xs
""",
    'f(3)',
    'C4 L5.1 C1@2 L2.1@2 R2@2 C1@3 L2.2@3 R2@3 C1@4 L2.3@4 R2@4 L9.1 R9',
)

PROGRAMS['generator'] = (
    """def gen(n):
    for i in range(n):
        yield i * 2
    return 'done'

def f(n):
    total = 0
    for v in gen(n):
        total += v
    return total
""",
    'f(3)',
    ('C6 L7.1 L8.1 C1@2 L2.1@2 L3.1@2 R3@2 L9.1 L8.2 C3@2 L2.2@2 L3.2@2 R3@2 L9.2 L8.3 C3@2 '
     'L2.3@2 L3.3@2 R3@2 L9.3 L8.4 C3@2 L2.4@2 L4.1@2 R4@2 L10.1 R10'),
)

PROGRAMS['closure'] = (
    """def f(n):
    count = 0
    def inc(k):
        nonlocal count
        count += k
        return count
    for i in range(n):
        inc(i)
    return count
""",
    'f(3)',
    ('C1 L2.1 L3.1 L7.1 L8.1 C3@2 L5.1@2 L6.1@2 R6@2 L7.2 L8.2 C3@3 L5.2@3 L6.2@3 R6@3 L7.3 L8.3 '
     'C3@4 L5.3@4 L6.3@4 R6@4 L7.4 L9.1 R9'),
)

PROGRAMS['with_stmt'] = (
    """class CM:
    def __enter__(self):
        return 5
    def __exit__(self, *a):
        return False

def f():
    out = []
    for i in range(2):
        with CM() as v:
            out.append(v + i)
    return out
""",
    'f()',
    ('C7 L8.1 L9.1 L10.1 C2@2 L3.1@2 R3@2 L11.1 C4@3 L5.1@3 R5@3 L9.2 L10.2 C2@4 L3.2@4 R3@4 '
     'L11.2 C4@5 L5.2@5 R5@5 L9.3 L12.1 R12'),
)

PROGRAMS['oneliner_loop'] = (
    """def f(n):
    s = 0
    for i in range(n): s += i
    while s > 3: s -= 2
    return s
""",
    'f(4)',
    'C1 L2.1 L3.1 L3.2 L3.3 L3.4 L3.5 L4.1 L4.2 L5.1 R5',
)

PROGRAMS['recursion'] = (
    """def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)
""",
    'fact(3)',
    'C1 L2.1 L4.1 C1@2 L2.2@2 L4.2@2 C1@3 L2.3@3 L3.1@3 R3@3 R4@2 R4',
)

PROGRAMS['class_in_func'] = (
    """def f(v):
    class P:
        def __init__(self, x):
            self.x = x
        def double(self):
            return self.x * 2
    p = P(v)
    return p.double()
""",
    'f(4)',
    'C1 L2.1 C2@2 L2.2@2 L3.1@2 L5.1@2 R5@2 L7.1 C3@3 L4.1@3 R4@3 L8.1 C5@4 L6.1@4 R6@4 R8',
)

PROGRAMS['multiline_call'] = (
    """def g(a, b,
      c):
    return (a +
            b +
            c)

def f():
    r = g(1,
          2,
          3)
    d = {'a': r,
         'b': [r,
               r]}
    return d
""",
    'f()',
    'C7 L8.1 C1@2 L3.1@2 R3@2 L11.1 L14.1 R14',
)

PROGRAMS['if_elif_else'] = (
    """def f(x):
    if x < 0:
        s = 'neg'
    elif x == 0:
        s = 'zero'
    else:
        s = 'pos'
    return s
""",
    'f(0)',
    'C1 L2.1 L4.1 L5.1 L8.1 R8',
)

PROGRAMS['fallthrough_if'] = (
    """def f(x):
    y = 1
    if x:
        y = 2
""",
    'f(0)',
    'C1 L2.1 L3.1 R3',
)

PROGRAMS['del_var'] = (
    """def f():
    a = [1, 2]
    b = a
    a.append(3)
    del a
    return b
""",
    'f()',
    'C1 L2.1 L3.1 L4.1 L5.1 L6.1 R6',
)

PROGRAMS['lambda_map'] = (
    """def f(xs):
    ys = list(map(lambda v: v + 1, xs))
    zs = sorted(ys,
                key=lambda v: (
                    -v))
    return zs
""",
    'f([1, 2])',
    'C1 L2.1 C2@2 L2.2@2 R2@2 C2@3 L2.3@3 R2@3 L3.1 C3@4 L4.1@4 R4@4 C3@5 L4.2@5 R4@5 L6.1 R6',
)

PROGRAMS['decorator'] = (
    """def deco(fn):
    def wrapper(*a):
        return fn(*a) + 1
    return wrapper

@deco
def g(x):
    return x * 2

def f(x):
    return g(x)
""",
    'f(3)',
    'C10 L11.1 C2@2 L3.1@2 C6@3 L8.1@3 R8@3 R3@2 R11',
)

PROGRAMS['gen_exc_in_comp'] = (
    """def f(xs):
    try:
        r = [1 // x for x in xs]
    except ZeroDivisionError:
        r = None
    return r
""",
    'f([1, 0])',
    'C1 L2.1 L3.1 E3 L4.1 L5.1 L6.1 R6',
)

PROGRAMS['stop_iter'] = (
    """class It:
    def __init__(self):
        self.n = 0
    def __iter__(self):
        return self
    def __next__(self):
        if self.n >= 2:
            raise StopIteration
        self.n += 1
        return self.n

def f():
    out = []
    for v in It():
        out.append(v)
    return out
""",
    'f()',
    ('C12 L13.1 L14.1 C2@2 L3.1@2 R3@2 C4@3 L5.1@3 R5@3 C6@4 L7.1@4 L9.1@4 L10.1@4 R10@4 L15.1 '
     'L14.2 C6@5 L7.2@5 L9.2@5 L10.2@5 R10@5 L15.2 L14.3 C6@6 L7.3@6 L8.1@6 L16.1 R16'),
)

PROGRAMS['gen_send_close'] = (
    """def gen():
    x = yield 1
    while True:
        x = yield x * 2

def f():
    g = gen()
    a = next(g)
    b = g.send(5)
    g.close()
    return a, b
""",
    'f()',
    'C6 L7.1 L8.1 C1@2 L2.1@2 R2@2 L9.1 C2@2 L3.1@2 L4.1@2 R4@2 L10.1 L11.1 R11',
)

PROGRAMS['yield_from'] = (
    """def inner():
    yield 1
    yield 2

def outer():
    yield from inner()
    yield 3

def f():
    return list(outer())
""",
    'f()',
    ('C9 L10.1 C5@2 L6.1@2 C1@3 L2.1@3 R2@3 R6@2 C6@2 C2@3 L3.1@3 R3@3 R6@2 C6@2 C3@3 R3@3 '
     'L7.1@2 R7@2 C7@2 R7@2 R10'),
)

PROGRAMS['match'] = (
    """def f(v):
    match v:
        case [a, b]:
            r = a + b
        case {'k': x}:
            r = x
        case _:
            r = None
    return r
""",
    "f({'k': 4})",
    'C1 L2.1 L3.1 L5.1 L6.1 L9.1 R9',
)

PROGRAMS['assert_raise'] = (
    """def f(x):
    assert x > 0, 'positive'
    return x
""",
    'f(-1)',
    'C1 L2.1 E2',
)

PROGRAMS['walrus_cond'] = (
    """def f(xs):
    out = []
    while (n := len(xs)) > 1:
        xs = xs[1:]
        out.append(n)
    return out if out else None
""",
    'f([1, 2, 3])',
    'C1 L2.1 L3.1 L4.1 L5.1 L3.2 L4.2 L5.2 L3.3 L6.1 R6',
)

PROGRAMS['continue_nested'] = (
    """def f(m):
    pairs = []
    for i in range(m):
        for j in range(m):
            if i == j:
                continue
            pairs.append((i, j))
    return pairs
""",
    'f(2)',
    ('C1 L2.1 L3.1 L4.1 L5.1 L6.1 L4.2 L5.2 L7.1 L4.3 L3.2 L4.4 L5.3 L7.2 L4.5 L5.4 L6.2 L4.6 '
     'L3.3 L8.1 R8'),
)

PROGRAMS['string_ops'] = (
    """def f(s):
    words = s.split()
    caps = [w.capitalize() for w in words]
    joined = '-'.join(caps)
    counts = {}
    for ch in joined:
        counts[ch] = counts.get(ch, 0) + 1
    return joined, max(counts, key=counts.get)
""",
    "f('ab ba ab')",
    ('C1 L2.1 L3.1 L4.1 L5.1 L6.1 L7.1 L6.2 L7.2 L6.3 L7.3 L6.4 L7.4 L6.5 L7.5 L6.6 L7.6 L6.7 '
     'L7.7 L6.8 L7.8 L6.9 L8.1 R8'),
)

PROGRAMS['try_else'] = (
    """def f(x):
    try:
        y = 1 / x
    except ZeroDivisionError:
        y = 0
    else:
        y = y * 2
    finally:
        z = 1
    return y + z
""",
    'f(2)',
    'C1 L2.1 L3.1 L7.1 L9.1 L10.1 R10',
)

PROGRAMS['return_in_loop_finally'] = (
    """def f(xs):
    for x in xs:
        try:
            if x == 2:
                return x
        finally:
            xs = xs + [0]
    return -1
""",
    'f([1, 2, 3])',
    'C1 L2.1 L3.1 L4.1 L7.1 L2.2 L3.2 L4.2 L5.1 L7.2 R5',
)

PROGRAMS['global_var'] = (
    """TOTAL = 0

def add(v):
    global TOTAL
    TOTAL += v
    return TOTAL

def f():
    add(1)
    return add(2)
""",
    'f()',
    'C8 L9.1 C3@2 L5.1@2 L6.1@2 R6@2 L10.1 C3@3 L5.2@3 L6.2@3 R6@3 R10',
)

PROGRAMS['big_values'] = (
    """def f():
    big = 10 ** 5000
    fl = [float('nan'), float('inf'), -0.0]
    cyc = [1]
    cyc.append(cyc)
    return big.bit_length(), fl, cyc
""",
    'f()',
    'C1 L2.1 L3.1 L4.1 L5.1 L6.1 R6',
)
