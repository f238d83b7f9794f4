"""Hostile programs against the sandbox: each must end in its expected outcome, host unaffected."""

from __future__ import annotations

import os
import socket
import time
import uuid
from pathlib import Path

import psutil
import pytest

from execgym.engine.codec import Opaque, is_literal
from execgym.engine.pool import Sandbox

EXECGYM_DIR = str(Path(__import__("execgym").__file__).resolve().parent)
CANARY = f"execgym-canary-{uuid.uuid4().hex[:12]}"
# Paths a program must not be able to create (checked on the host afterwards).
FORBIDDEN_WRITES = [
    f"/etc/{CANARY}", f"/usr/{CANARY}", f"/{CANARY}", f"/root/{CANARY}", f"/var/tmp/{CANARY}",
    f"{EXECGYM_DIR}/{CANARY}.py", str(Path.cwd() / CANARY), f"/dev/shm/{CANARY}",
]


def _ok(r) -> None:
    assert r.outcome == "ok", (r.outcome, r.error)


def _exc(type_name: str):
    def check(r) -> None:
        assert r.outcome == "exception", (r.outcome, r.error)
        assert r.error.type == type_name, r.error
    return check


def _outcome(*names: str):
    def check(r) -> None:
        assert r.outcome in names, (r.outcome, r.error)
    return check


def _returns(pred, what: str):
    def check(r) -> None:
        assert r.outcome == "ok", (r.outcome, r.error)
        assert pred(r.return_value), f"{what}: got {r.return_value!r}"
    return check


ATTACKS: list[tuple[str, str, str, dict, object]] = [
    ("fork_bomb", "import os\nwhile True:\n    os.fork()\n", "0", {}, _exc("PermissionError")),
    ("fork_bomb_swallowed",
     ("import os\ndef f():\n    n = 0\n    for _ in range(100000):\n        try:\n            os.fork()\n"
     "            n += 1\n        except BaseException:\n            pass\n    return n\n"),
     "f()", {}, _returns(lambda v: v == 0, "forks that succeeded")),
    ("posix_spawn_and_multiprocessing",
     ("import os, multiprocessing\ndef f():\n    out = []\n"
     "    for fn in (lambda: os.posix_spawn('/bin/true', ['true'], {}),\n"
     "               lambda: multiprocessing.Process(target=print).start(),\n"
     "               lambda: os.execv('/bin/true', ['true'])):\n"
     "        try:\n            fn(); out.append('ran')\n        except OSError as e:\n            out.append(e.errno)\n"
     "    return out\n"),
     "f()", {}, _returns(lambda v: "ran" not in v, "process creation")),
    ("memory_bomb_bytearray", "x = bytearray(8 << 30)\n", "0", {}, _outcome("memory_limit")),
    ("memory_bomb_string", "def f():\n    return 'x' * 10**10\n", "f()", {}, _outcome("memory_limit")),
    ("memory_bomb_append",
     "def f():\n    x = []\n    while True:\n        x.append(bytearray(16 * 2**20))\n", "f()",
     {"timeout": 10.0}, _outcome("memory_limit")),
    ("huge_power", "def f():\n    return 10**10**9\n", "f()", {"timeout": 1.0},
     _outcome("timeout", "memory_limit")),
    ("infinite_loop", "def f():\n    while True:\n        pass\n", "f()", {"timeout": 0.5},
     _outcome("timeout")),
    ("infinite_recursion", "def f(n):\n    return f(n + 1)\n", "f(0)", {}, _exc("RecursionError")),
    ("unbounded_recursion_limit",
     "import sys\nsys.setrecursionlimit(10**9)\ndef f(n):\n    return f(n + 1)\n", "f(0)",
     {"timeout": 2.0}, _outcome("exception", "memory_limit", "timeout")),
    ("output_flood", "def f():\n    while True:\n        print('x' * 1000)\n", "f()", {"timeout": 3.0},
     _outcome("output_limit")),
    ("output_flood_fd", "import os\ndef f():\n    while True:\n        os.write(1, b'y' * 65536)\n", "f()",
     {"timeout": 3.0}, _outcome("output_limit")),
    ("write_outside",
     ("import os\ndef f(paths):\n    done = []\n    for p in paths:\n        try:\n"
     "            with open(p, 'w') as fh:\n                fh.write('pwned')\n            done.append(p)\n"
     "        except OSError:\n            pass\n    return done\n"),
     f"f({FORBIDDEN_WRITES!r})", {}, None),  # checked on the host below
    ("read_secrets",
     ("import os, glob\ndef f():\n    found = []\n    for p in ['/etc/shadow'] + glob.glob('/root/*') + glob.glob('/home/*')"
     " + glob.glob('/proc/*/environ') + glob.glob('/proc/*/cmdline'):\n"
     "        try:\n            with open(p, 'rb') as fh:\n                data = fh.read()\n"
     "            if data:\n                found.append((p, data[:2000]))\n        except OSError:\n            pass\n"
     "    return found\n"), "f()", {}, None),  # checked below
    ("socket_to_host_listener", None, None, {}, None),  # built in the test (needs a port)
    ("os_system", "import os\ndef f():\n    return os.system('echo pwned > /dev/shm/x')\n", "f()", {},
     _returns(lambda v: v != 0, "os.system status")),
    ("subprocess", "import subprocess\ndef f():\n    return subprocess.run(['id'], capture_output=True)\n",
     "f()", {}, _exc("PermissionError")),
    ("ctypes_fork_and_exec",
     ("import ctypes\ndef f():\n    libc = ctypes.CDLL(None)\n"
     "    return [libc.fork(), libc.syscall(57), libc.system(b'id'), libc.syscall(41, 2, 1, 0)]\n"),
     "f()", {}, _returns(lambda v: v[0] == -1 and v[1] == -1 and v[2] != 0 and v[3] == -1, "libc calls")),
    ("ctypes_segfault", "import ctypes\ndef f():\n    return ctypes.c_char.from_address(8).value\n", "f()", {},
     _exc("Crash")),
    ("subclasses_walk",
     ("def f():\n    for c in ().__class__.__base__.__subclasses__():\n"
     "        if c.__name__ == '_wrap_close':\n"
     "            return c.__init__.__globals__['system']('id > /dev/shm/pwned')\n"), "f()", {},
     _returns(lambda v: v != 0, "system() via __subclasses__")),
    ("generator_frame_walk",  # reach the fork-server's objects; its protocol pipes are closed
     ("import os, sys\ndef gen():\n    yield sys._getframe()\ndef f():\n    fr = next(gen())\n    hits = []\n"
     "    while fr is not None:\n        for v in list(fr.f_locals.values()):\n"
     "            for fd in (getattr(v, 'resp_fd', None), getattr(v, 'req_fd', None)):\n"
     "                if isinstance(fd, int):\n                    try:\n"
     "                        target = os.readlink('/proc/self/fd/%d' % fd)\n"
     "                        os.write(fd, b'\\x00\\x00\\x00\\x10forged')\n"
     "                        hits.append(target)\n                    except OSError:\n                        pass\n"
     "        fr = fr.f_back\n    return hits\n"), "f()", {},
     _returns(lambda v: all(t.startswith("/memfd:result") for t in v), "writes reaching a pipe")),
    ("str_format_leak",
     ("import os\ndef f():\n    return '{0.__init__.__globals__[os].environ}'.format(f.__class__) if False else "
     "'{0.__globals__[os].environ}'.format(f)\n"), "f()", {}, None),  # checked below: no secret
    ("ignore_alarm_signals",
     ("import signal\nfor s in (signal.SIGALRM, signal.SIGTERM, signal.SIGXCPU, signal.SIGINT):\n"
     "    signal.signal(s, signal.SIG_IGN)\ndef f():\n    while True:\n        pass\n"), "f()",
     {"timeout": 0.5}, _outcome("timeout")),
    ("except_baseexception_loop",
     ("def f():\n    while True:\n        try:\n            while True:\n                pass\n"
     "        except BaseException:\n            pass\n"), "f()", {"timeout": 0.5}, _outcome("timeout")),
    ("setsid_double_fork",
     ("import os, time\ndef f():\n    os.setsid()\n    if os.fork() == 0:\n        if os.fork() == 0:\n"
     "            time.sleep(60)\n        os._exit(0)\n    return 1\n"), "f()", {}, _exc("PermissionError")),
    ("proc_mem_of_server_and_caller",  # write access would mean code execution outside the child
     ("import os\ndef f(caller):\n    got = []\n    for pid in (1, os.getppid(), caller):\n"
      "        for name, flags in (('mem', os.O_RDWR), ('environ', os.O_RDONLY), ('fd/0', os.O_RDONLY)):\n"
      "            try:\n                os.close(os.open('/proc/%d/%s' % (pid, name), flags))\n"
      "                got.append((pid, name))\n            except OSError:\n                pass\n    return got\n"),
     f"f({os.getpid()})", {}, _returns(lambda v: v == [], "opened another process's /proc files")),
    ("kill_parent_and_everyone",
     ("import os, signal\ndef f():\n    out = []\n    for pid in (os.getppid(), -1, 1):\n        try:\n"
     "            os.kill(pid, signal.SIGKILL); out.append(pid)\n        except OSError:\n            pass\n    return out\n"),
     "f()", {}, _returns(lambda v: v == [], "kills that succeeded")),
    ("raise_rlimits",
     "import resource\ndef f():\n    resource.setrlimit(resource.RLIMIT_CPU, (10**6, 10**6))\n", "f()", {},
     _outcome("exception")),
    ("hostile_return_value",
     ("class X:\n    def __repr__(self):\n        raise SystemExit('repr called')\n"
     "    def __eq__(self, other):\n        return True\n    def __hash__(self):\n        return 0\n"
     "def f():\n    return [X(), {'k': X()}]\n"), "f()", {},
     _returns(lambda v: isinstance(v[0], Opaque) and v[0] != X_SENTINEL and not is_literal(v), "decoded value")),
    ("deeply_nested_return",
     "def f():\n    x = []\n    for _ in range(100000):\n        x = [x]\n    return x\n", "f()", {},
     _returns(lambda v: not is_literal(v), "deep value is capped with an Opaque")),
    ("deeply_nested_literal_eval", "def f():\n    return eval('[' * 200000 + ']' * 200000)\n", "f()", {},
     _outcome("exception", "memory_limit")),
    ("sleep_forever", "import time\ndef f():\n    time.sleep(100)\n", "f()", {"timeout": 0.5},
     _outcome("timeout")),
    ("read_stdin", "def f():\n    return input()\n", "f()", {}, _exc("EOFError")),
    ("threads_busy", ("import threading\ndef f():\n    t = threading.Thread(target=lambda: [0 for _ in iter(int, 1)])\n"
     "    t.start(); t.join()\n"), "f()", {"timeout": 0.5}, _outcome("timeout")),
    ("own_exit_code", "import os\ndef f():\n    os._exit(0)\n", "f()", {}, _exc("SystemExit")),
    ("garbage_result_frame", "import os\ndef f():\n    os.write(3, b'{\"outcome\": \"ok\", \"return\": [[[')\n    os._exit(0)\n",
     "f()", {}, _outcome("sandbox_error")),
]

X_SENTINEL = object()
SECRET = f"s3cr3t-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def attack_sandbox():
    """A pool started while the caller's environment holds a secret."""
    os.environ["EXECGYM_TEST_SECRET"] = SECRET
    try:
        with Sandbox(workers=2) as sb:
            yield sb
    finally:
        os.environ.pop("EXECGYM_TEST_SECRET", None)


@pytest.fixture(scope="module")
def listener():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.setblocking(False)
    yield srv
    srv.close()


def _check_host_paths(clean_only: bool = False) -> None:
    leaked = [p for p in FORBIDDEN_WRITES if os.path.exists(p)]
    for p in leaked:
        os.unlink(p)
    assert clean_only or not leaked, f"files written outside the sandbox: {leaked}"


@pytest.mark.parametrize("name", [a[0] for a in ATTACKS])
def test_attack(name, attack_sandbox, listener, layers, no_leftovers):
    _, source, call, kwargs, check = next(a for a in ATTACKS if a[0] == name)
    host_procs_before = len(psutil.pids())
    if name == "socket_to_host_listener":
        port = listener.getsockname()[1]
        source = ("import socket\ndef f(port):\n    out = []\n"
                  "    for fam, addr in ((socket.AF_INET, ('127.0.0.1', port)), (socket.AF_INET, ('10.0.0.1', 80))):\n"
                  "        try:\n            s = socket.create_connection(addr, timeout=1)\n            out.append('connected')\n"
                  "        except OSError as e:\n            out.append(type(e).__name__)\n    return out\n")
        call = f"f({port})"
    timeout = kwargs.pop("timeout", 2.0) if kwargs else 2.0
    started = time.monotonic()
    r = attack_sandbox.run(source, call, timeout=timeout, **kwargs)
    elapsed = time.monotonic() - started
    assert elapsed < timeout + 3.0, f"took {elapsed:.2f}s with a {timeout}s limit"
    if name == "write_outside":
        if not layers.get("readonly_root") and not layers.get("unprivileged_uid"):
            _check_host_paths(clean_only=True)
            pytest.xfail("no mount namespace and not root: the program can write where the caller can")
        _check_host_paths()
        if layers.get("readonly_root"):
            assert r.outcome == "ok" and r.return_value == [], r
    elif name == "read_secrets":
        assert r.outcome == "ok", r
        text = repr(r.return_value)
        assert SECRET not in text
        if layers.get("private_proc"):
            assert "EXECGYM_TEST_SECRET" not in text
        if "/root" in layers.get("hidden_paths", []):
            assert not any(p.startswith(("/root/", "/home/")) for p, _ in r.return_value), text[:300]
            assert not any(p == "/etc/shadow" for p, _ in r.return_value)
    elif name == "socket_to_host_listener":
        assert r.outcome == "ok", r
        assert "connected" not in r.return_value
        with pytest.raises(BlockingIOError):
            listener.accept()
    elif name == "str_format_leak":
        assert SECRET not in repr(r.return_value) and "EXECGYM_TEST_SECRET" not in repr(r.return_value)
    else:
        check(r)
    # the host is unaffected: no new processes survive, the pool still works
    no_leftovers(attack_sandbox)
    assert len(psutil.pids()) < host_procs_before + 20
    after = attack_sandbox.run("def f():\n    return sorted({3, 1, 2})\n", "f()")
    assert after.outcome == "ok" and after.return_value == [1, 2, 3]


def test_environment_is_scrubbed(attack_sandbox):
    r = attack_sandbox.run("import os\ndef f():\n    return dict(os.environ)\n", "f()")
    assert r.outcome == "ok", r
    env = r.return_value
    assert "EXECGYM_TEST_SECRET" not in env and SECRET not in repr(env)
    assert env["PYTHONHASHSEED"] == "0"
    assert env["OMP_NUM_THREADS"] == "1"


def test_no_files_left_outside_and_no_processes(attack_sandbox, no_leftovers):
    _check_host_paths()
    no_leftovers(attack_sandbox)


def test_interpreter_poisoning_does_not_persist():
    with Sandbox(workers=1) as sb:
        poison = ("import builtins, os, sys, math, json\n"
                  "builtins.len = lambda x: 42\nbuiltins.sorted = None\nos.environ['POISON'] = '1'\n"
                  "sys.modules['json'] = None\nmath.pi = 3\nsys.setrecursionlimit(50)\n"
                  "def f():\n    return len([1, 2])\n")
        sb.run(poison, "f()", timeout=0.5)  # its own outcome does not matter (it broke its own builtins)
        check = ("import os, math, sys\nimport json\n"
                 "def f():\n    return [len([1, 2]), sorted([2, 1]), 'POISON' in os.environ, math.pi > 3.1,"
                 " json.dumps(1), sys.getrecursionlimit() > 50]\n")
        r = sb.run(check, "f()")
        assert r.outcome == "ok", r
        assert r.return_value == [2, [1, 2], False, True, "1", True]


def test_orphans_are_swept_without_seccomp(no_leftovers):
    """With the fork guard off, setsid + double-fork escapees are still killed after the run."""
    with Sandbox(workers=1, seccomp=False) as sb:
        src = ("import os, time\ndef f():\n    if os.fork() == 0:\n        os.setsid()\n"
               "        if os.fork() == 0:\n            time.sleep(60)\n        os._exit(0)\n"
               "    time.sleep(0.2)\n    return 'parent done'\n")
        r = sb.run(src, "f()")
        assert r.outcome == "ok" and r.return_value == "parent done", r
        no_leftovers(sb)
        bomb = "import os\ndef f():\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n"
        before = len(psutil.pids())
        r = sb.run(bomb, "f()", timeout=0.5)
        assert r.outcome in ("timeout", "exception", "memory_limit"), r
        no_leftovers(sb)
        assert len(psutil.pids()) < before + 20


def test_network_namespace_alone_blocks_loopback(listener, layers):
    if not layers.get("net_ns"):
        pytest.skip("network namespaces are unavailable on this kernel")
    port = listener.getsockname()[1]
    with Sandbox(workers=1, seccomp=False) as sb:
        r = sb.run("import socket\ndef f(p):\n    try:\n        socket.create_connection(('127.0.0.1', p), timeout=1)\n"
                   "        return 'connected'\n    except OSError as e:\n        return type(e).__name__\n", f"f({port})")
        assert r.outcome == "ok" and r.return_value != "connected", r
    with pytest.raises(BlockingIOError):
        listener.accept()


RESTRICTED_ATTACKS = {
    "subclasses_walk": "def f():\n    return ().__class__.__base__.__subclasses__()\n",
    "str_format_leak": "def f():\n    return '{0.__globals__}'.format(f)\n",
    "generator_frame_walk": "def g():\n    yield 1\ndef f():\n    return g().gi_frame.f_back\n",
    "import_os": "import os\ndef f():\n    return os.getcwd()\n",
    "open_file": "def f():\n    return open('/etc/passwd').read()\n",
    "computed_getattr": "def f():\n    return getattr(f, '__glo' + 'bals__')\n",
    "exec_eval": "def f():\n    return eval('1 + 1')\n",
}


@pytest.mark.parametrize("name", sorted(RESTRICTED_ATTACKS))
def test_restricted_policy_refuses_introspection(sandbox, name):
    r = sandbox.run(RESTRICTED_ATTACKS[name], "f()", policy="restricted")
    assert r.outcome == "policy_violation", (name, r.outcome, r.error)
    ordinary = sandbox.run("def f(xs):\n    d = {}\n    for x in xs:\n        d[x] = d.get(x, 0) + 1\n"
                           "    return sorted(d.items())\n", "f([1, 2, 1])", policy="restricted")
    assert ordinary.outcome == "ok" and ordinary.return_value == [(1, 2), (2, 1)]


def test_no_file_state_between_runs():
    with Sandbox(workers=1) as sb:
        if not sb.layers().get("private_tmp"):
            pytest.skip("no private /tmp without mount namespaces")
        leave = ("import os\ndef f():\n    for p in ('/tmp/leak.txt', '/tmp/execgym/leak.txt', '../leak2.txt'):\n"
                 "        open(p, 'w').write('state')\n    os.makedirs('/tmp/d/e', exist_ok=True)\n    return 1\n")
        assert sb.run(leave, "f()").return_value == 1
        look = ("import os\ndef f():\n    return sorted(os.listdir('/tmp')), sorted(os.listdir('/tmp/execgym')),"
                " os.listdir('.')\n")
        r = sb.run(look, "f()")
        assert r.outcome == "ok", r
        tmp, root, cwd = r.return_value
        assert tmp == ["execgym"] and len(root) == 1 and cwd == [], r.return_value
