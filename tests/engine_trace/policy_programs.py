"""Corpora for the restricted-policy tests (data, loaded with ``runpy.run_path``).

``ORDINARY``: name -> (source, call): ordinary programs that must behave identically under the
trusted and the restricted policy. ``HOSTILE``: name -> (source, call): escapes that must end in
``policy_violation``.
"""

ORDINARY: dict[str, tuple[str, str]] = {}
HOSTILE: dict[str, tuple[str, str]] = {}

ORDINARY["class_init_method"] = ('''
class Stack:
    def __init__(self):
        self.items = []
    def push(self, x):
        self.items.append(x)
    def pop(self):
        return self.items.pop()
    def __len__(self):
        return len(self.items)

def f(xs):
    s = Stack()
    for x in xs:
        s.push(x)
    return s.pop(), len(s)
''', "f([1, 2, 3])")

ORDINARY["private_attrs"] = ('''
class Counter:
    def __init__(self):
        self._count = 0
        self.__secret = 7
    def bump(self):
        self._count += 1
        return self._count + self.__secret

def _helper(n):
    return n * 2

def f(n):
    c = Counter()
    for _ in range(n):
        c.bump()
    return c.bump(), _helper(n)
''', "f(3)")

ORDINARY["list_comprehensions"] = ('''
def f(n):
    sq = [i * i for i in range(n)]
    ev = [x for x in sq if x % 2 == 0]
    pairs = [(i, j) for i in range(3) for j in range(i)]
    return sq, ev, pairs
''', "f(6)")

ORDINARY["dict_set_comprehensions"] = ('''
def f(words):
    lengths = {w: len(w) for w in words}
    firsts = {w[0] for w in words}
    inv = {v: k for k, v in lengths.items()}
    return lengths, sorted(firsts), inv
''', "f(['apple', 'bob', 'cat', 'axe'])")

ORDINARY["closures"] = ('''
def make_adder(k):
    def add(x):
        return x + k
    return add

def f(xs):
    add3 = make_adder(3)
    return [add3(x) for x in xs]
''', "f([1, 2])")

ORDINARY["nonlocal_counter"] = ('''
def f(n):
    count = 0
    def tick():
        nonlocal count
        count += 1
    for _ in range(n):
        tick()
    return count
''', "f(4)")

ORDINARY["generators"] = ('''
def evens(n):
    for i in range(n):
        if i % 2 == 0:
            yield i

def f(n):
    g = evens(n)
    first = next(g)
    return first, list(g), sum(x * x for x in evens(n))
''', "f(7)")

ORDINARY["generator_send"] = ('''
def acc():
    total = 0
    while True:
        v = yield total
        total += v

def f(xs):
    g = acc()
    next(g)
    out = [g.send(x) for x in xs]
    return out
''', "f([1, 2, 3])")

ORDINARY["string_processing"] = ('''
def f(s):
    words = s.strip().split()
    caps = ' '.join(w.capitalize() for w in words)
    rev = s[::-1]
    vowels = sum(1 for ch in s.lower() if ch in 'aeiou')
    return caps, rev, vowels, s.replace('a', '@').count('@'), s.find('lo')
''', "f('  hello big world ')")

ORDINARY["sort_key_lambda"] = ('''
def f(people):
    by_age = sorted(people, key=lambda p: p[1])
    by_name_desc = sorted(people, key=lambda p: p[0], reverse=True)
    multi = sorted(people, key=lambda p: (-p[1], p[0]))
    return by_age, by_name_desc, multi
''', "f([('ann', 30), ('bob', 25), ('cid', 30)])")

ORDINARY["dict_ops"] = ('''
def f(pairs):
    d = {}
    for k, v in pairs:
        d.setdefault(k, []).append(v)
    d2 = dict(d)
    d2.pop('a', None)
    merged = {**d, 'z': [0]}
    return d, sorted(d2), list(merged.keys()), d.get('q', 'none'), 'b' in d
''', "f([('a', 1), ('b', 2), ('a', 3)])")

ORDINARY["set_ops"] = ('''
def f(a, b):
    s, t = set(a), set(b)
    return sorted(s | t), sorted(s & t), sorted(s - t), sorted(s ^ t), s.issubset(t)
''', "f([1, 2, 3], [2, 3, 4])")

ORDINARY["recursion"] = ('''
def fib(n, memo=None):
    if memo is None:
        memo = {}
    if n < 2:
        return n
    if n in memo:
        return memo[n]
    memo[n] = fib(n - 1, memo) + fib(n - 2, memo)
    return memo[n]

def f(n):
    return [fib(i) for i in range(n)]
''', "f(12)")

ORDINARY["exceptions"] = ('''
class BadInput(ValueError):
    pass

def parse(s):
    if not s.isdigit():
        raise BadInput(f"bad: {s}")
    return int(s)

def f(items):
    out = []
    for s in items:
        try:
            out.append(parse(s))
        except BadInput as e:
            out.append(str(e))
        finally:
            out.append('.')
    return out
''', "f(['1', 'x', '3'])")

ORDINARY["exception_uncaught"] = ('''
def f(d):
    return d['missing']
''', "f({'a': 1})")

ORDINARY["raise_from"] = ('''
def f(x):
    try:
        return 1 / x
    except ZeroDivisionError as e:
        raise ValueError('zero') from e
''', "f(0)")

ORDINARY["fstrings"] = ('''
def f(name, score):
    pct = score / 3
    return f"{name!r}: {pct:.2f} ({score:>5}) {name.upper()} {[i for i in range(2)]}"
''', "f('ann', 2)")

ORDINARY["str_format_method"] = ('''
def f(a, b):
    s1 = "{} + {} = {}".format(a, b, a + b)
    s2 = "{x}-{y}".format(x=a, y=b)
    s3 = "{0[0]}|{1:>4}".format([a], b)
    s4 = "%s and %d" % ('p', b)
    s5 = "{k}".format_map({'k': a})
    return s1, s2, s3, s4, s5
''', "f(2, 3)")

ORDINARY["dataclasses"] = ('''
from dataclasses import dataclass, field

@dataclass
class Item:
    name: str
    price: float
    tags: list = field(default_factory=list)

    def total(self, qty: int) -> float:
        return self.price * qty

def f():
    it = Item('pen', 1.5)
    it.tags.append('x')
    return it.total(4), it.tags, it == Item('pen', 1.5, ['x'])
''', "f()")

ORDINARY["dataclass_order_frozen"] = ('''
from dataclasses import dataclass

@dataclass(order=True, frozen=True)
class V:
    x: int
    y: int = 0

def f():
    vs = sorted([V(2, 1), V(1, 5), V(1, 2)])
    return [(v.x, v.y) for v in vs], hash(V(1)) == hash(V(1))
''', "f()")

ORDINARY["enum_usage"] = ('''
from enum import Enum

class Color(Enum):
    RED = 1
    GREEN = 2

def f(n):
    c = Color(n)
    return c.name, c.value, [m.name for m in Color], c is Color.GREEN
''', "f(2)")

ORDINARY["inheritance_super"] = ('''
class Animal:
    def __init__(self, name):
        self.name = name
    def speak(self):
        return self.name + ' makes a sound'

class Dog(Animal):
    def __init__(self, name, breed):
        super().__init__(name)
        self.breed = breed
    def speak(self):
        return super().speak() + ' (woof)'

def f():
    d = Dog('rex', 'lab')
    return d.speak(), isinstance(d, Animal), issubclass(Dog, Animal), type(d) is Dog
''', "f()")

ORDINARY["properties_classmethods"] = ('''
class Temp:
    scale = 'C'
    def __init__(self, c):
        self._c = c
    @property
    def f(self):
        return self._c * 9 / 5 + 32
    @classmethod
    def from_f(cls, f):
        return cls((f - 32) * 5 / 9)
    @staticmethod
    def unit():
        return Temp.scale

def f():
    t = Temp.from_f(212)
    return t.f, Temp.unit(), round(t._c, 3)
''', "f()")

ORDINARY["dunder_methods"] = ('''
class Vec:
    def __init__(self, x, y):
        self.x, self.y = x, y
    def __add__(self, o):
        return Vec(self.x + o.x, self.y + o.y)
    def __eq__(self, o):
        return (self.x, self.y) == (o.x, o.y)
    def __lt__(self, o):
        return (self.x, self.y) < (o.x, o.y)
    def __repr__(self):
        return f"Vec({self.x}, {self.y})"
    def __iter__(self):
        yield self.x
        yield self.y
    def __hash__(self):
        return hash((self.x, self.y))

def f():
    a, b = Vec(1, 2), Vec(3, 4)
    c = a + b
    return repr(c), list(c), c == Vec(4, 6), sorted([b, a])[0].x, len({a, Vec(1, 2)})
''', "f()")

ORDINARY["context_manager"] = ('''
class Log:
    def __init__(self):
        self.events = []
    def __enter__(self):
        self.events.append('enter')
        return self
    def __exit__(self, et, ev, tb):
        self.events.append('exit')
        return False

def f():
    log = Log()
    with log as l:
        l.events.append('body')
    return log.events
''', "f()")

ORDINARY["augmented_subscripts"] = ('''
def f(words):
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0)
        counts[w] += 1
    grid = [[0] * 3 for _ in range(2)]
    grid[1][2] += 5
    grid[0][0] -= 1
    arr = [1, 2, 3, 4]
    arr[1:3] += [9]
    return counts, grid, arr
''', "f(['a', 'b', 'a'])")

ORDINARY["augmented_attributes"] = ('''
class Acc:
    def __init__(self):
        self.total = 0
        self.items = []

def f(xs):
    a = Acc()
    for x in xs:
        a.total += x
        a.items += [x]
    a.total *= 2
    return a.total, a.items
''', "f([1, 2, 3])")

ORDINARY["inplace_aliasing"] = ('''
def f():
    a = [1]
    b = a
    a += [2]
    s = 'x'
    t = s
    s += 'y'
    return a, b, a is b, s, t
''', "f()")

ORDINARY["unpacking"] = ('''
def f(rows):
    out = []
    for i, (a, b) in enumerate(rows):
        out.append(i + a * b)
    first, *middle, last = range(6)
    (p, q), r = (1, 2), 3
    x = y = 4
    return out, first, middle, last, p + q + r, x + y
''', "f([(1, 2), (3, 4)])")

ORDINARY["star_args_kwargs"] = ('''
def g(*args, **kwargs):
    return sum(args), sorted(kwargs.items())

def f():
    nums = [1, 2, 3]
    opts = {'b': 2, 'a': 1}
    return g(*nums), g(*nums, **opts), g(1, *[2], c=3, **opts)
''', "f()")

ORDINARY["print_output"] = ('''
def f(n):
    for i in range(n):
        print(i, i * i, sep=':', end=';')
    print()
    print('done', [1, 2], {'k': None})
    return n
''', "f(3)")

ORDINARY["while_loops"] = ('''
def f(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    else:
        steps += 100
    return steps
''', "f(6)")

ORDINARY["break_continue"] = ('''
def f(xs):
    out = []
    for x in xs:
        if x < 0:
            continue
        if x > 10:
            break
        out.append(x)
    return out
''', "f([1, -2, 3, 11, 4])")

ORDINARY["globals_and_constants"] = ('''
LIMIT = 3
seen = []

def record(x):
    global LIMIT
    seen.append(x)
    LIMIT += 1
    return LIMIT

def f():
    return [record(i) for i in range(2)], seen, LIMIT
''', "f()")

ORDINARY["zip_enumerate_reversed"] = ('''
def f(a, b):
    return (list(zip(a, b)), list(enumerate(a, 1)), list(reversed(b)), dict(zip(a, b)),
            list(map(lambda t: t[0] * t[1], zip(a, b))), list(filter(None, [0, 1, '', 'x'])))
''', "f([1, 2, 3], [4, 5, 6])")

ORDINARY["min_max_any_all"] = ('''
def f(words):
    return (min(words, key=len), max(words, key=lambda w: (len(w), w)), any(w.startswith('b') for w in words),
            all(len(w) > 1 for w in words), max(3, 7, 5), min([4, 2, 8]), abs(-3), divmod(17, 5), pow(2, 10, 1000))
''', "f(['ab', 'bcd', 'e'])")

ORDINARY["matrix"] = ('''
def f(n):
    m = [[i * n + j for j in range(n)] for i in range(n)]
    t = [list(row) for row in zip(*m)]
    diag = sum(m[i][i] for i in range(n))
    flat = [x for row in m for x in row]
    return t, diag, flat[::2]
''', "f(3)")

ORDINARY["bytes_ops"] = ('''
def f(s):
    b = s.encode('utf-8')
    return b, b.hex(), b[::-1], bytes([65, 66]), b.decode(), len(b), b.upper()
''', "f('héllo')")

ORDINARY["numbers"] = ('''
import math

def f(x):
    return (math.sqrt(x), math.floor(-2.5), math.gcd(12, 18), round(2.675, 2), int('ff', 16), 7 // -2, -7 % 3,
            2 ** 100, complex(1, 2) * 1j, float('inf') > 10 ** 100, math.isclose(0.1 + 0.2, 0.3), bin(10), hex(255))
''', "f(16)")

ORDINARY["collections_module"] = ('''
from collections import Counter, defaultdict, deque, OrderedDict, namedtuple

Point = namedtuple('Point', ['x', 'y'])

def f(s):
    c = Counter(s)
    dd = defaultdict(list)
    for i, ch in enumerate(s):
        dd[ch].append(i)
    q = deque([1, 2, 3])
    q.appendleft(0)
    q.rotate(1)
    od = OrderedDict(a=1, b=2)
    od.move_to_end('a')
    p = Point(1, 2)
    return c.most_common(2), dict(dd), list(q), list(od), p.x + p.y, p._replace(x=5)
''', "f('abracadabra')")

ORDINARY["itertools_functools"] = ('''
import itertools
import functools
import operator

@functools.lru_cache(maxsize=None)
def ways(n):
    return 1 if n <= 1 else ways(n - 1) + ways(n - 2)

def f(xs):
    groups = [(k, len(list(g))) for k, g in itertools.groupby(sorted(xs))]
    perms = list(itertools.permutations([1, 2, 3], 2))
    acc = list(itertools.accumulate(xs))
    prod = functools.reduce(operator.mul, xs, 1)
    add5 = functools.partial(operator.add, 5)
    return groups, len(perms), acc, prod, add5(1), ways(20), list(itertools.chain([1], [2])), operator.itemgetter(1)(xs)
''', "f([3, 1, 3, 2])")

ORDINARY["heapq_bisect"] = ('''
import heapq
import bisect

def f(xs):
    h = []
    for x in xs:
        heapq.heappush(h, x)
    smallest = [heapq.heappop(h) for _ in range(2)]
    s = sorted(xs)
    bisect.insort(s, 4)
    return smallest, s, bisect.bisect_left(s, 4), heapq.nlargest(2, xs)
''', "f([5, 1, 8, 3, 9])")

ORDINARY["regex"] = ('''
import re

def f(text):
    nums = [int(n) for n in re.findall(r'\\d+', text)]
    words = re.split(r'[,;]\\s*', text)
    m = re.match(r'(\\w+)-(\\d+)', 'abc-42')
    return nums, words, m.group(1), m.groups(), re.sub(r'a', 'A', text)
''', "f('a1, b22; c333')")

ORDINARY["fractions_decimal_statistics"] = ('''
from fractions import Fraction
from decimal import Decimal
import statistics

def f(xs):
    fr = sum(Fraction(1, x) for x in xs)
    dec = Decimal('0.1') + Decimal('0.2')
    return str(fr), str(dec), statistics.mean(xs), statistics.median(xs)
''', "f([1, 2, 4])")

ORDINARY["datetime_usage"] = ('''
import datetime

def f(y, m, d):
    day = datetime.date(y, m, d)
    later = day + datetime.timedelta(days=30)
    return later.isoformat(), day.weekday(), (later - day).days
''', "f(2024, 2, 15)")

ORDINARY["random_seeded"] = ('''
import random

def f(seed):
    rng = random.Random(seed)
    xs = [rng.randint(1, 100) for _ in range(5)]
    rng.shuffle(xs)
    return xs, rng.choice('abc')
''', "f(42)")

ORDINARY["copy_module"] = ('''
import copy

def f():
    a = [[1, 2], {'k': [3]}]
    b = copy.copy(a)
    c = copy.deepcopy(a)
    a[0].append(9)
    return b[0], c[0], b[1] is a[1], c[1] is a[1]
''', "f()")

ORDINARY["string_module"] = ('''
import string

def f(s):
    table = str.maketrans(string.ascii_lowercase, string.ascii_lowercase[1:] + 'a')
    return s.translate(table), string.digits, string.capwords('hello world'), string.Template('$x!').substitute(x=s)
''', "f('abz')")

ORDINARY["typing_hints"] = ('''
from typing import List, Dict, Optional, Tuple

def pick(xs: List[int], k: Optional[int] = None) -> Tuple[int, ...]:
    n: int = len(xs) if k is None else k
    result: Dict[str, int] = {}
    result['n'] = n
    return tuple(xs[:n])

def f() -> list:
    return [pick([1, 2, 3]), pick([4, 5], 1)]
''', "f()")

ORDINARY["isinstance_dispatch"] = ('''
def describe(v):
    if isinstance(v, bool):
        return 'bool'
    if isinstance(v, (int, float)):
        return 'number'
    if isinstance(v, str):
        return 'str'
    if isinstance(v, (list, tuple)):
        return 'seq:' + ','.join(describe(x) for x in v)
    return type(v).__name__ if False else 'other'

def f():
    return [describe(v) for v in [1, 2.5, 'a', True, [1, 'b'], None]]
''', "f()")

ORDINARY["walrus_ternary_chain"] = ('''
def f(xs):
    out = []
    for x in xs:
        if (y := x * 2) > 4:
            out.append(y)
    label = 'big' if len(out) > 1 else 'small'
    return out, label, 1 < len(xs) <= 5
''', "f([1, 2, 3, 4])")

ORDINARY["match_statement"] = ('''
def f(cmds):
    out = []
    for c in cmds:
        match c:
            case ['go', direction]:
                out.append('go ' + direction)
            case {'say': msg}:
                out.append(msg)
            case int(n) if n > 0:
                out.append(n * 2)
            case _:
                out.append(None)
    return out
''', "f([['go', 'n'], {'say': 'hi'}, 3, -1])")

ORDINARY["iter_next_protocol"] = ('''
class Countdown:
    def __init__(self, n):
        self.n = n
    def __iter__(self):
        return self
    def __next__(self):
        if self.n <= 0:
            raise StopIteration
        self.n -= 1
        return self.n + 1

def f(n):
    it = iter([1, 2])
    return list(Countdown(n)), next(it), next(it, 'end'), next(it, 'end')
''', "f(3)")

ORDINARY["class_attributes"] = ('''
class Config:
    defaults = {'a': 1}
    count = 0
    def __init__(self, **kw):
        Config.count += 1
        self.values = dict(self.defaults)
        self.values.update(kw)

def f():
    c1 = Config(b=2)
    c2 = Config(a=5)
    return c1.values, c2.values, Config.count
''', "f()")

ORDINARY["getattr_literal"] = ('''
class P:
    def __init__(self):
        self.x = 1

def f():
    p = P()
    setattr(p, 'y', 2)
    has = hasattr(p, 'z')
    return getattr(p, 'x'), getattr(p, 'y'), getattr(p, 'z', 'dflt'), has
''', "f()")

ORDINARY["slicing"] = ('''
def f(s):
    lst = list(range(10))
    lst[2:4] = ['a', 'b', 'c']
    del lst[0]
    return s[1:-1], s[::2], lst, lst[-3:], s[:0]
''', "f('abcdefg')")

ORDINARY["nested_functions_defaults"] = ('''
def f(n):
    fs = [lambda x, i=i: x + i for i in range(n)]
    def outer(a):
        def middle(b):
            def inner(c):
                return a + b + c
            return inner
        return middle
    return [g(10) for g in fs], outer(1)(2)(3)
''', "f(3)")

ORDINARY["try_else_finally"] = ('''
def f(vals):
    log = []
    for v in vals:
        try:
            r = 10 / v
        except ZeroDivisionError:
            log.append('div0')
        except TypeError as e:
            log.append('type')
        else:
            log.append(r)
        finally:
            log.append('|')
    return log
''', "f([2, 0, 'x'])")

ORDINARY["assertions"] = ('''
def f(x):
    assert isinstance(x, int), 'need int'
    assert x > 0, f'positive, got {x}'
    return x
''', "f(-2)")

ORDINARY["sorting_stability_cmp"] = ('''
import functools

def cmp(a, b):
    return (a > b) - (a < b)

def f(xs):
    return sorted(xs, key=functools.cmp_to_key(cmp)), sorted(xs, key=str), sorted('bca'), list(sorted({3: 1, 1: 2}))
''', "f([3, 10, 2])")

ORDINARY["string_methods_more"] = ('''
def f(s):
    return (s.title(), s.center(11, '*'), s.zfill(8), s.partition(' '), s.rsplit(' ', 1), s.isalpha(),
            s.startswith(('he', 'x')), s.encode().isascii(), ','.join(sorted(set(s))), s.swapcase(), ord('a'), chr(98))
''', "f('hi there')")

ORDINARY["dict_iteration_order"] = ('''
def f(d):
    out = []
    for k, v in d.items():
        out.append(f'{k}={v}')
    d['new'] = 0
    del d['a']
    return out, list(d), sorted(d.values()), {k: v for k, v in sorted(d.items(), key=lambda kv: kv[1])}
''', "f({'a': 3, 'b': 1, 'c': 2})")

ORDINARY["two_functions_helper"] = ('''
def normalize(s):
    return ''.join(ch for ch in s.lower() if ch.isalnum())

def is_palindrome(s):
    t = normalize(s)
    return t == t[::-1]

def f(items):
    return [is_palindrome(s) for s in items]
''', "f(['A man, a plan', 'Racecar', 'No lemon, no melon'])")

ORDINARY["binary_search"] = ('''
def f(xs, target):
    lo, hi = 0, len(xs) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if xs[mid] == target:
            return mid
        elif xs[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1
''', "f([1, 3, 5, 7, 9, 11], 7)")

ORDINARY["name_main_guard"] = ('''
def f(x):
    return x + 1

if __name__ == '__main__':
    RESULT = f(1)
''', "(f(2), RESULT)")

ORDINARY["printed_variable_name"] = ('''
def f(xs):
    printed = []
    for x in xs:
        printed.append(str(x))
    return ','.join(printed)
''', "f([1, 2])")

ORDINARY["object_identity_and_none"] = ('''
def f(x=None):
    sentinel = object()
    vals = [x, sentinel, None]
    return [v is None for v in vals], vals.count(None), id(sentinel) == id(sentinel), callable(f)
''', "f()")

ORDINARY["recursion_tree"] = ('''
class Node:
    def __init__(self, val, left=None, right=None):
        self.val, self.left, self.right = val, left, right

def depth(n):
    if n is None:
        return 0
    return 1 + max(depth(n.left), depth(n.right))

def inorder(n):
    return inorder(n.left) + [n.val] + inorder(n.right) if n else []

def f():
    t = Node(2, Node(1), Node(4, Node(3)))
    return depth(t), inorder(t)
''', "f()")

ORDINARY["divmod_error_types"] = ('''
def f(vals):
    out = []
    for a, b in vals:
        try:
            out.append(divmod(a, b))
        except (ZeroDivisionError, TypeError) as e:
            out.append(type(e).__name__ if False else str(e))
    return out
''', "f([(7, 2), (1, 0), (1, 'a')])")

# --------------------------------------------------------------------------------- hostile

HOSTILE["subclasses_walk"] = ("def f():\n    return ().__class__.__base__.__subclasses__()\n", "f()")
HOSTILE["gi_frame_walk"] = ("def f():\n    g = (i for i in [1])\n    return g.gi_frame.f_back.f_globals\n", "f()")
HOSTILE["gen_gi_code"] = ("def f():\n    g = (i for i in [1])\n    return g.gi_code\n", "f()")
HOSTILE["traceback_frame"] = ("def f():\n    try:\n        1 / 0\n    except Exception as e:\n        return e.__traceback__.tb_frame\n", "f()")
HOSTILE["func_globals"] = ("def f():\n    return f.__globals__\n", "f()")
HOSTILE["dunder_dict"] = ("class A:\n    pass\n\ndef f():\n    return A.__dict__\n", "f()")
HOSTILE["mro_walk"] = ("def f():\n    return int.mro()[-1]\n", "f()")
HOSTILE["format_attr_leak"] = ("def f():\n    return '{0.__class__.__base__}'.format(1)\n", "f()")
HOSTILE["format_globals_leak"] = ("def f():\n    return '{0.__globals__}'.format(f)\n", "f()")
HOSTILE["format_via_type"] = ("def f():\n    return str.format('{0.__class__}', 1)\n", "f()")
HOSTILE["format_map_leak"] = ("def f():\n    return '{x.__class__}'.format_map({'x': 1})\n", "f()")
HOSTILE["format_nested_spec"] = ("def f():\n    return '{0:{1.__class__}}'.format(1, 2)\n", "f()")
HOSTILE["format_via_getattr"] = ("def f():\n    fmt = getattr('{0.__class__}', 'format')\n    return fmt(1)\n", "f()")
HOSTILE["string_formatter"] = ("import string\ndef f():\n    return string.Formatter().format('{0.__class__}', 1)\n", "f()")
HOSTILE["import_os"] = ("import os\ndef f():\n    return os.listdir('/')\n", "f()")
HOSTILE["import_subprocess_in_func"] = ("def f():\n    import subprocess\n    return subprocess.run(['id'])\n", "f()")
HOSTILE["import_sys"] = ("def f():\n    import sys\n    return sys.modules\n", "f()")
HOSTILE["from_import_module_attr"] = ("from dataclasses import sys\ndef f():\n    return sys.modules\n", "f()")
HOSTILE["module_attr_module"] = ("import dataclasses\ndef f():\n    return dataclasses.sys.modules['os']\n", "f()")
HOSTILE["module_private_attr"] = ("import random\ndef f():\n    return random._os.system\n", "f()")
HOSTILE["typing_eval"] = ("import typing\ndef f():\n    return typing.get_type_hints\n", "f()")
HOSTILE["typing_forwardref"] = ("from typing import ForwardRef\ndef f():\n    return ForwardRef('1')\n", "f()")
HOSTILE["attrgetter"] = ("import operator\ndef f():\n    return operator.attrgetter('__class__')(1)\n", "f()")
HOSTILE["methodcaller"] = ("import operator\ndef f():\n    return operator.methodcaller('__reduce__')(1)\n", "f()")
HOSTILE["dunder_import_call"] = ("def f():\n    return __import__('os')\n", "f()")
HOSTILE["builtins_import_via_getattr"] = ("import math\ndef f():\n    return getattr(math, '__loader__')\n", "f()")
HOSTILE["exec_call"] = ("def f():\n    exec('x = 1')\n", "f()")
HOSTILE["eval_call"] = ("def f():\n    return eval('1 + 1')\n", "f()")
HOSTILE["eval_alias"] = ("def f():\n    e = eval\n    return e('2')\n", "f()")
HOSTILE["compile_call"] = ("def f():\n    return compile('1', 's', 'eval')\n", "f()")
HOSTILE["open_file"] = ("def f():\n    return open('/etc/passwd').read()\n", "f()")
HOSTILE["globals_call"] = ("def f():\n    return globals()\n", "f()")
HOSTILE["locals_overwrite_guard"] = ("def f():\n    return locals()\n", "f()")
HOSTILE["vars_call"] = ("class A:\n    pass\n\ndef f():\n    return vars(A)\n", "f()")
HOSTILE["breakpoint_call"] = ("def f():\n    breakpoint()\n", "f()")
HOSTILE["input_call"] = ("def f():\n    return input()\n", "f()")
HOSTILE["getattr_computed_name"] = ("def f():\n    n = '__cla' + 'ss__'\n    return getattr(1, n)\n", "f()")
HOSTILE["getattr_alias_computed"] = ("def f():\n    g = getattr\n    n = '__cla' + 'ss__'\n    return g(1, n)\n", "f()")
HOSTILE["getattr_blocked_literal"] = ("def f():\n    return getattr(f, '__code__')\n", "f()")
HOSTILE["setattr_dunder"] = ("class A:\n    pass\n\ndef f():\n    s = setattr\n    s(A(), '__class__', int)\n", "f()")
HOSTILE["type_three_args"] = ("def f():\n    return type('X', (), {'__init_subclass__': 1})\n", "f()")
HOSTILE["shadow_guard_param"] = ("def f(_getattr_=None):\n    return 1\n", "f()")
HOSTILE["shadow_guard_assign"] = ("_getiter_ = list\ndef f():\n    return 1\n", "f()")
HOSTILE["builtins_name"] = ("def f():\n    return __builtins__\n", "f()")
HOSTILE["match_class_dunder"] = ("def f():\n    match 1:\n        case int(__class__=c):\n            return c\n", "f()")
HOSTILE["caught_violation"] = ("def f():\n    try:\n        import os\n    except BaseException:\n        pass\n    return 'escaped'\n", "f()")
HOSTILE["call_text_escape"] = ("def f(x):\n    return x\n", "f(__import__('os'))")
HOSTILE["call_text_attr"] = ("def f(x):\n    return x\n", "f(().__class__)")
HOSTILE["lambda_default_leak"] = ("def f():\n    g = lambda: 0\n    return g.__code__\n", "f()")
HOSTILE["class_metaclass_kw"] = ("class M(type):\n    pass\n\nclass A(metaclass=M):\n    pass\n\ndef f():\n    return 1\n", "f()")
HOSTILE["exception_obj_leak"] = ("def f():\n    try:\n        {}['k']\n    except KeyError as e:\n        return e.with_traceback(None).__traceback__\n", "f()")
HOSTILE["async_code"] = ("async def g():\n    return 1\n\ndef f():\n    return g\n", "f()")
HOSTILE["wraps_module_dict"] = ("import functools\nimport random\ndef f():\n    w = functools.wraps(random)(lambda: 0)\n    return w._os\n", "f()")
HOSTILE["from_import_wraps_module"] = ("from functools import wraps\nimport random\ndef f():\n    return wraps(random)(lambda: 0)._os\n", "f()")
HOSTILE["update_wrapper_custom"] = ("import functools\nclass A:\n    pass\n\ndef f():\n    return functools.update_wrapper(A(), f, assigned=('__globals__',))\n", "f()")

# ordinary programs added after the hostile ones were written
ORDINARY["decorator_with_wraps"] = ('''
from functools import wraps
import functools

def logged(fn):
    @wraps(fn)
    def inner(*args):
        inner.calls += 1
        return fn(*args)
    inner.calls = 0
    return inner

def twice(fn):
    @functools.wraps(fn)
    def w(x):
        return fn(fn(x))
    return w

@logged
def sq(x):
    """square"""
    return x * x

@twice
def inc(x):
    return x + 1

def f():
    return sq(3), sq(4), sq.calls, sq.__name__, sq.__doc__, inc(1), inc.__name__
''', "f()")

ORDINARY["from_import_submodule"] = ('''
from collections import abc
from collections.abc import Mapping
import collections.abc

def f(x):
    return isinstance(x, abc.Sequence), isinstance(x, Mapping), isinstance(x, collections.abc.Iterable)
''', "f([1])")
HOSTILE["singledispatch_annotation_eval"] = ('''
import functools

@functools.singledispatch
def g(x):
    return 0

def h(x: "().__class__.__base__.__subclasses__()"):
    return 1

def f():
    g.register(h)
    return 1
''', "f()")
HOSTILE["forwardref_private_evaluate"] = ("import typing\ndef f():\n    ref = typing.get_args(typing.List['().__class__'])[0]\n    return ref._evaluate({}, {}, frozenset())\n", "f()")
HOSTILE["private_via_subclass"] = ("import random\nclass R(random.Random):\n    pass\n\ndef f():\n    return R(1)._randbelow(10)\n", "f()")

# ordinary programs added with the ownership rules (issue 10): what the new guards must keep working
ORDINARY["type_builtin_semantics"] = ('''
import typing

class A:
    pass

def kind(t: type[int], u: "type | None" = None) -> type:
    return t

def f(xs):
    kinds = [type(x).__name__ for x in xs]
    return (kinds, isinstance(A, type), isinstance(A(), type), issubclass(type(A), type), type(A) is type,
            type(int) == type, repr(type), type.__name__, isinstance(3, (str, type)), type(type(1)) is type,
            repr(type[int]), kind(A) is A, isinstance(A, type | None), typing.get_origin(type[int]) is type)
''', "f([1, 'a', None, A()])")

ORDINARY["super_ordinary_uses"] = ('''
class Base:
    def __init__(self, n):
        self._n = n
    def describe(self):
        return f"Base({self._n})"
    def __repr__(self):
        return "B"

class Child(Base):
    def __init__(self, n):
        super().__init__(n * 2)
        self._extra = 1
    def describe(self):
        return super().describe() + "+" + str(self._extra) + repr(super(Child, self))[:1]

class Tag(str):
    def shout(self):
        return super().upper() + super().format() + "{}!".format(len(self))

def f():
    return Child(3).describe(), Tag("hi").shout(), super(Child, Child(1)).describe()
''', "f()")

ORDINARY["format_attribute_fields"] = ('''
class P:
    def __init__(self, name, age):
        self.name = name
        self.age = age

class S(str):
    pass

def f():
    p = P("ann", 7)
    c = 3 + 4j
    return ("{0.name} is {0.age}".format(p), "{p.name:>{w}}|".format(p=p, w=6), "{0.real}/{0.imag}".format(c),
            "{x.name}-{y}".format_map({"x": p, "y": 2}), S("{0.age}!").format(p), str.format("{0.name}", p),
            "{0[1]} {1}".format([1, 2], "z"), "{!r:^9}".format("q"))
''', "f()")

ORDINARY["format_attribute_errors"] = ('''
class P:
    pass

def f():
    out = []
    for fmt in ("{0.missing}", "{0.x", "{1.real}"):
        try:
            out.append(fmt.format(P()))
        except (AttributeError, ValueError, IndexError) as e:
            out.append(type(e).__name__ + ": " + str(e))
    return out
''', "f()")

ORDINARY["namedtuple_private_api"] = ('''
from collections import namedtuple
import typing

Point = namedtuple("Point", "x y")

class Vec(namedtuple("Vec", "a b")):
    def norm1(self):
        return abs(self.a) + abs(self.b)

class Emp(typing.NamedTuple):
    name: str
    pay: int = 0

def f():
    p = Point(1, 2)
    v = Vec._make([3, -4])
    e = Emp("x")
    return (p._replace(x=5), p._asdict(), Point._fields, v.norm1(), v._replace(b=1), e._replace(pay=3),
            Emp._field_defaults, e._asdict())
''', "f()")

ORDINARY["dataclass_variants_private_fields"] = ('''
from dataclasses import dataclass, field
import dataclasses
import functools

@dataclass(order=True)
class Item:
    _rank: int
    name: str = field(default="?", compare=False)

@dataclasses.dataclass(frozen=True)
class Frozen:
    _v: int

@functools.total_ordering
class Money:
    def __init__(self, c):
        self._c = c
    def __eq__(self, o):
        return self._c == o._c
    def __lt__(self, o):
        return self._c < o._c

def f():
    items = sorted([Item(3, "c"), Item(1, "a")])
    return [i._rank for i in items], Frozen(2)._v, Money(1) <= Money(2), Money(3) > Money(2)
''', "f()")

ORDINARY["cache_decorators_on_program_functions"] = ('''
import functools

@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

@functools.cache
def sq(n):
    return n * n

@functools.lru_cache
def cube(n):
    return n ** 3

class C:
    @functools.cached_property
    def heavy(self):
        return 42

def memo(fn):
    fn._memo = {}
    @functools.wraps(fn)
    def inner(x):
        if x not in fn._memo:
            fn._memo[x] = fn(x)
        return fn._memo[x]
    return inner

@memo
def double(x):
    return 2 * x

def f():
    return fib(30), sq(4), cube(2), C().heavy, double(3), double(3), double.__name__, fib.cache_info().hits > 0
''', "f()")

ORDINARY["library_subclass_with_private_state"] = ('''
import random
import collections

class Dice(random.Random):
    def __init__(self, seed):
        super().__init__(seed)
        self._rolls = 0
    def roll(self):
        self._rolls += 1
        return self.randint(1, 6)

class Tally(collections.Counter):
    def _top(self):
        return self.most_common(1)[0]

def f():
    d = Dice(7)
    rolls = [d.roll() for _ in range(5)]
    t = Tally("abracadabra")
    return rolls, d._rolls, t._top()
''', "f()")

ORDINARY["class_and_instance_writes"] = ('''
import decimal

class Reg:
    count = 0
    def __init__(self):
        Reg.count += 1
        setattr(self, "tag", Reg.count)

def helper():
    return 1

def f():
    a, b = Reg(), Reg()
    helper.calls = 2
    Reg.label = "r"
    del Reg.label
    ctx = decimal.getcontext()
    ctx.prec = 5
    return Reg.count, b.tag, helper.calls, str(decimal.Decimal(1) / decimal.Decimal(7)), hasattr(Reg, "label")
''', "f()")

ORDINARY["typing_introspection"] = ('''
import typing

def f():
    tps = [typing.List[int], typing.Dict[str, typing.Tuple[int, ...]], typing.Optional[str], int]
    return [(repr(typing.get_origin(t)), repr(typing.get_args(t))) for t in tps]
''', "f()")

ORDINARY["operator_getters"] = ('''
import operator

class P:
    def __init__(self, name, age):
        self.name = name
        self.age = age
    def greet(self, punct):
        return "hi " + self.name + punct

def f():
    ps = [P("b", 3), P("a", 9), P("c", 1)]
    by_age = [p.name for p in sorted(ps, key=operator.attrgetter("age"))]
    pairs = list(map(operator.attrgetter("name", "age"), ps))
    up = list(map(operator.methodcaller("upper"), ["x", "y"]))
    greet = [operator.methodcaller("greet", "!")(p) for p in ps]
    return by_age, pairs, up, greet, operator.attrgetter("real")(3 + 4j)
''', "f()")

ORDINARY["match_class_and_value_patterns"] = ('''
import enum
from dataclasses import dataclass

class Color(enum.Enum):
    RED = 1
    BLUE = 2

@dataclass
class Point:
    x: int
    y: int

class Box:
    def __init__(self, item):
        self.item = item

def where(v):
    match v:
        case Point(0, 0):
            return "origin"
        case Point(x=0, y=y):
            return f"y-axis {y}"
        case Box(item=Point(x, _)):
            return f"boxed x={x}"
        case Color.RED:
            return "red"
        case [Point(x=x1), *_]:
            return f"list from {x1}"
        case int(n) | float(n):
            return f"number {n}"
        case str() as s:
            return "str " + s
        case Point():
            return "point"
    return "other"

def f():
    vals = [Point(0, 0), Point(0, 5), Box(Point(3, 4)), Color.RED, [Point(7, 1)], 4, 2.5, "s", Point(1, 1), Color.BLUE]
    out = [where(v) for v in vals]
    try:
        match Point(1, 2):
            case Point(1, 2, 3):
                pass
    except TypeError as e:
        out.append(str(e))
    return out
''', "f()")
