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


# --------------------------------------------------------------------------------------------
# issue 10 item 1: the child never holds host root; /proc/sys, /proc/sysrq-trigger and the rest
# of /proc that is not the child's own are read-only or absent.

HOST_SETTINGS = ("/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches", "/proc/sys/kernel/panic",
                 "/proc/sysrq-trigger", "/proc/sys/kernel/modprobe", "/proc/sys/fs/suid_dumpable",
                 "/proc/sys/kernel/sysrq")
# open for writing only (never write: on a broken sandbox this would change the host)
PROC_WRITE_SOURCE = ("import os\ndef f(paths):\n    out = {}\n    for p in paths:\n"
                     "        for v in (p, '/proc/self/root' + p, '/proc/1/root' + p):\n"
                     "            try:\n                os.close(os.open(v, os.O_WRONLY))\n"
                     "                out[v] = 'opened'\n            except OSError as e:\n"
                     "                out[v] = e.errno\n"
                     "    for pid in os.listdir('/proc'):\n        if pid.isdigit() and int(pid) != os.getpid():\n"
                     "            for name in ('comm', 'oom_score_adj', 'coredump_filter', 'mem', 'clear_refs'):\n"
                     "                p = '/proc/%s/%s' % (pid, name)\n                try:\n"
                     "                    os.close(os.open(p, os.O_WRONLY))\n                    out[p] = 'opened'\n"
                     "                except OSError as e:\n                    out[p] = e.errno\n    return out\n")
IDENTITY_SOURCE = ("import os\ndef f():\n"
                   "    st = dict(l.split(':', 1) for l in open('/proc/self/status').read().splitlines() if ':' in l)\n"
                   "    try:\n        m = open('/proc/self/uid_map').read().split()\n    except OSError:\n        m = []\n"
                   "    return [os.getuid(), os.geteuid(), os.getgid(), os.getgroups(), m, st['CapEff'].strip(),"
                   " st['CapPrm'].strip(), st['CapAmb'].strip(), st['CapBnd'].strip()]\n")


def _host_values(paths=HOST_SETTINGS) -> dict:
    out = {}
    for p in paths:
        try:
            with open(p, "rb") as fh:
                out[p] = fh.read()
        except OSError as exc:  # write-only (drop_caches) or absent (sysrq-trigger on this kernel)
            out[p] = (type(exc).__name__, os.stat(p).st_mtime_ns if os.path.exists(p) else None)
    return out


def _host_id(uid_map: list[str], ns_id: int) -> int | None:
    nums = [int(x) for x in uid_map]
    for inside, outside, count in zip(nums[0::3], nums[1::3], nums[2::3]):
        if inside <= ns_id < inside + count:
            return outside + ns_id - inside
    return None


def _check_identity(value: list) -> None:
    uid, euid, gid, groups, uid_map, cap_eff, cap_prm, cap_amb, cap_bnd = value
    assert cap_eff == cap_prm == cap_amb == cap_bnd == "0000000000000000", value  # no capability at all
    if uid_map and uid_map != ["0", "0", "4294967295"]:  # a user namespace: the id it maps to on the host
        assert uid == euid != 0 and gid != 0, value
        host = _host_id(uid_map, uid)
        assert host is not None and host != 0, value
        assert _host_id(uid_map, 0) != 0, f"the namespace's root maps to host root: {uid_map}"
    else:
        assert os.geteuid() != 0 or uid == euid == 65534, value
    assert 0 not in groups, value


@pytest.fixture(scope="module", params=["default", "no_namespaces", "no_seccomp"])
def config_sandbox(request):
    kwargs = {"default": {}, "no_namespaces": {"namespaces": False}, "no_seccomp": {"seccomp": False}}
    with Sandbox(workers=1, **kwargs[request.param]) as sb:
        yield sb


def test_child_cannot_open_host_kernel_settings_for_writing(config_sandbox, no_leftovers):
    before = _host_values()
    r = config_sandbox.run(PROC_WRITE_SOURCE, f"f({list(HOST_SETTINGS)!r})")
    assert r.outcome == "ok", (r.outcome, r.error)
    opened = [p for p, v in r.return_value.items() if v == "opened"]
    assert not opened, f"opened for writing: {opened}"
    assert _host_values() == before
    no_leftovers(config_sandbox)


def test_child_runs_without_host_root_or_capabilities(config_sandbox):
    r = config_sandbox.run(IDENTITY_SOURCE, "f()")
    assert r.outcome == "ok", (r.outcome, r.error)
    _check_identity(r.return_value)
    layers = config_sandbox.layers()
    ident = layers["identity"]
    assert ident["child_host_uid"] != 0 or os.geteuid() != 0, ident
    if layers["user_ns"]:
        assert ident["child_uid"] == r.return_value[0] and ident["worker_host_uid"] != 0, ident


def test_no_worker_process_holds_host_root_and_children_run_unprivileged(attack_sandbox):
    """Seen from the host: the worker's own processes and a running child have no root ids."""
    import threading

    from execgym.engine.pool import LIVE_WORKERS

    if not attack_sandbox.layers().get("user_ns") or os.geteuid() != 0:
        pytest.skip("needs a root caller and user namespaces (the ids are then remapped)")
    done = []
    t = threading.Thread(target=lambda: done.append(
        attack_sandbox.run("import time\ndef f():\n    time.sleep(1.5)\n    return 1\n", "f()", timeout=5.0)))
    t.start()
    seen: dict[int, tuple] = {}
    deadline = time.monotonic() + 5
    while t.is_alive() and time.monotonic() < deadline:
        for p in psutil.Process().children(recursive=True):
            try:
                if p.name() == "execgym-run":
                    seen[p.pid] = (tuple(p.uids()), tuple(p.gids()))
            except psutil.Error:
                pass
        time.sleep(0.02)
    t.join()
    assert done and done[0].outcome == "ok", done
    assert seen, "no running child was seen"
    for pid, (uids, gids) in seen.items():
        assert 0 not in uids and 0 not in gids, (pid, uids, gids)
    for w in list(LIVE_WORKERS):
        for pid in w.server_pids():
            try:
                uids = psutil.Process(pid).uids()
            except psutil.Error:
                continue
            assert 0 not in uids, f"worker process {pid} runs with host uids {uids}"


_UNPRIVILEGED_SCRIPT = r'''
import json, os, sys
from execgym.engine import isolation

UID = 65534
# A private mount namespace where the interpreter and the checkout are reachable for UID: every
# ancestor it cannot search (a 0700 /root) is covered by a 0755 tmpfs with the paths bound back.
need = sorted({os.path.realpath(p) for p in [sys.base_prefix, sys.prefix] + sys.path if p and os.path.isdir(p)})
isolation.unshare(isolation.CLONE_NEWNS)
isolation.mount(None, "/", None, isolation.MS_REC | isolation.MS_PRIVATE)
covers = {}
for path in need:
    parts = path.split("/")
    for i in range(2, len(parts)):
        anc = "/".join(parts[:i])
        if not os.stat(anc).st_mode & 0o001:
            covers.setdefault(anc, []).append(path)
            break
for anc, paths in covers.items():
    fds = [(p, os.open(p, os.O_PATH)) for p in paths]
    isolation.mount("tmpfs", anc, "tmpfs", 0, "mode=755")
    for p, fd in fds:
        os.makedirs(p, exist_ok=True)
        isolation.mount("/proc/self/fd/%d" % fd, p, None, isolation.MS_BIND | isolation.MS_REC)
os.setgroups([])
os.setgid(UID)
os.setuid(UID)
os.environ.update(HOME="/tmp", TMPDIR="/tmp")
pid = os.fork()
if pid == 0:
    try:
        isolation.unshare(isolation.CLONE_NEWUSER)
        os._exit(0)
    except OSError:
        os._exit(1)
if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0:
    print(json.dumps({"skip": "unprivileged user namespaces are disabled on this kernel"}))
    sys.exit(0)
from execgym.engine.pool import Sandbox
settings = json.loads(sys.argv[1])
with Sandbox(workers=1) as sb:
    layers = sb.layers()
    w = sb.run(sys.argv[2], "f(%r)" % settings)
    i = sb.run(sys.argv[3], "f()")
print(json.dumps({"uid": os.getuid(), "layers": {k: v for k, v in layers.items() if k != "notes"},
                  "notes": layers.get("notes"), "writes": [w.outcome, w.return_value],
                  "identity": [i.outcome, i.return_value]}))
'''


def test_unprivileged_caller_child_cannot_write_host_settings():
    """The same checks with the engine running as an unprivileged user (uid 65534)."""
    import json
    import subprocess
    import sys

    if os.geteuid() != 0:
        pytest.skip("needs root to become uid 65534 (the suite already runs unprivileged)")
    before = _host_values()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(EXECGYM_DIR).parent)]
                                                       + os.environ.get("PYTHONPATH", "").split(os.pathsep)))
    out = subprocess.run([sys.executable, "-c", _UNPRIVILEGED_SCRIPT, json.dumps(list(HOST_SETTINGS)),
                          PROC_WRITE_SOURCE, IDENTITY_SOURCE],
                         capture_output=True, text=True, timeout=300, env=env, cwd="/")
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    if "skip" in report:
        pytest.skip(report["skip"])
    assert report["uid"] == 65534
    assert report["layers"]["user_ns"] and report["layers"]["pid_ns"], report
    assert report["layers"]["identity"]["mapping"] == "own id only", report
    outcome, writes = report["writes"]
    assert outcome == "ok", report
    assert not [p for p, v in writes.items() if v == "opened"], writes
    outcome, ident = report["identity"]
    assert outcome == "ok", report
    _check_identity(ident)
    assert _host_id(ident[4], ident[0]) == 65534
    assert _host_values() == before


# --------------------------------------------------------------------------------------------
# issue 10 item 3: no signal to the server or zygote through an fd's owner (F_SETOWN & co.)

SIGNAL_OWNER_SOURCE = r'''
import ctypes, fcntl, os, struct

def _raw(nr, *args):
    libc = ctypes.CDLL(None, use_errno=True)
    res = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    if res == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return res

def f(which, sig):
    zygote = os.getppid()
    server = int(open("/proc/%d/stat" % zygote).read().rsplit(")", 1)[1].split()[1])
    target = zygote if which == "zygote" else server
    r, w = os.pipe()
    tries = [
        ("F_SETOWN", lambda: fcntl.fcntl(r, fcntl.F_SETOWN, target)),
        ("F_SETOWN_group", lambda: fcntl.fcntl(r, fcntl.F_SETOWN, -target)),
        ("F_SETOWN_high_bits", lambda: _raw(72, r, 8 | (1 << 32), target)),
        ("F_SETOWN_EX", lambda: fcntl.fcntl(r, 15, struct.pack("ii", 1, target))),
        ("F_SETSIG", lambda: fcntl.fcntl(r, 10, sig)),
        ("O_ASYNC", lambda: fcntl.fcntl(r, fcntl.F_SETFL, fcntl.fcntl(r, fcntl.F_GETFL) | os.O_ASYNC)),
        ("FIOSETOWN", lambda: fcntl.ioctl(r, 0x8901, struct.pack("i", target))),
        ("SIOCSPGRP", lambda: fcntl.ioctl(r, 0x8902, struct.pack("i", target))),
        ("FIOASYNC", lambda: fcntl.ioctl(r, 0x5452, struct.pack("i", 1))),
        ("F_SETLEASE", lambda: fcntl.fcntl(os.open("lease", os.O_RDONLY | os.O_CREAT), 1024, 0)),
        ("F_NOTIFY", lambda: fcntl.fcntl(os.open(".", os.O_RDONLY), 1026, 0x80000001)),
    ]
    out = {}
    for name, fn in tries:
        try:
            fn()
            out[name] = "allowed"
        except OSError as e:
            out[name] = e.errno
    os.write(w, b"x" * 8)  # SIGIO (or F_SETSIG's signal) to the owner, if any was set
    os.read(r, 8)
    open("touch", "w").close()  # a dnotify event, if F_NOTIFY was set
    return out
'''
SIGNAL_TARGETS = [("zygote", "SIGKILL"), ("server", "SIGINT"), ("zygote", "SIGSTOP"), ("server", "SIGSTOP"),
                  ("zygote", "SIGINT"), ("server", "SIGKILL")]


@pytest.mark.parametrize("which,sig", SIGNAL_TARGETS, ids=[f"{w}-{s}" for w, s in SIGNAL_TARGETS])
def test_fd_owner_signals_cannot_reach_the_worker(attack_sandbox, which, sig, no_leftovers):
    import signal as _signal

    timeout = 2.0
    started = time.monotonic()
    r = attack_sandbox.run(SIGNAL_OWNER_SOURCE, f"f({which!r}, {int(getattr(_signal, sig))})", timeout=timeout)
    elapsed = time.monotonic() - started
    assert elapsed < timeout + 5.0, f"the attacking run took {elapsed:.1f} s"
    assert r.outcome == "ok", (r.outcome, r.error)
    allowed = {k: v for k, v in r.return_value.items() if v != 1}  # 1: EPERM
    if attack_sandbox.layers().get("seccomp"):
        assert not allowed, f"not refused with EPERM: {allowed}"
    for _ in range(3):  # the next, innocent runs
        t = time.monotonic()
        after = attack_sandbox.run("def f():\n    return sorted({3, 1, 2})\n", "f()")
        assert after.outcome == "ok" and after.return_value == [1, 2, 3], after
        assert time.monotonic() - t < 5.0
    no_leftovers(attack_sandbox)


@pytest.mark.parametrize("which,sig", SIGNAL_TARGETS, ids=[f"{w}-{s}" for w, s in SIGNAL_TARGETS])
def test_fd_owner_signals_without_seccomp_still_cannot_hurt_the_worker(which, sig, no_leftovers):
    """Second line: with the filter off, the owner's signal is refused by the kernel (the child
    runs as another uid than the worker) and the worker blocks the stray ones it could get."""
    import signal as _signal

    with Sandbox(workers=1, seccomp=False) as sb:
        timeout = 1.0
        started = time.monotonic()
        r = sb.run(SIGNAL_OWNER_SOURCE, f"f({which!r}, {int(getattr(_signal, sig))})", timeout=timeout)
        assert time.monotonic() - started < timeout + 5.0
        assert r.outcome == "ok", (r.outcome, r.error)
        for _ in range(3):
            t = time.monotonic()
            after = sb.run("def f():\n    return 7\n", "f()")
            assert after.outcome == "ok" and after.return_value == 7, after
            assert time.monotonic() - t < 5.0
        no_leftovers(sb)


def test_a_stopped_zygote_costs_a_run_at_most_its_timeout_plus_a_few_seconds(no_leftovers):
    """Whatever stops the zygote (here: the caller itself, from the host), the run in flight ends
    non-ok within its timeout plus the server's bounded wait (not the pool's 10 s grace), and
    the next run gets a fresh worker."""
    import signal as _signal

    from execgym.engine.pool import LIVE_WORKERS

    with Sandbox(workers=1) as sb:
        assert sb.run("def f():\n    return 1\n", "f()").outcome == "ok"
        zygotes = []
        mine = [w for w in list(LIVE_WORKERS) if any(w in ws.idle for ws in sb._sets.values())]
        assert len(mine) == 1, mine
        for w in mine:
            for pid in w.server_pids():
                try:
                    for p in [psutil.Process(pid)] + psutil.Process(pid).children():
                        if p.name() == "execgym-zygote" and p.pid not in zygotes:
                            zygotes.append(p.pid)
                except psutil.Error:
                    pass
        assert len(zygotes) == 1, zygotes
        os.kill(zygotes[0], _signal.SIGSTOP)
        timeout = 1.0
        started = time.monotonic()
        r = sb.run("def f():\n    return 2\n", "f()", timeout=timeout)
        elapsed = time.monotonic() - started
        # the worker whose zygote stopped is replaced; the run is retried once on the fresh one
        assert (r.outcome, r.return_value) == ("ok", 2) or r.outcome == "sandbox_error", (r.outcome, r.error)
        assert elapsed < timeout + 5.0, f"took {elapsed:.1f} s"
        assert sb.worker_failures >= 1
        after = sb.run("def f():\n    return 3\n", "f()")
        assert after.outcome == "ok" and after.return_value == 3, after
        no_leftovers(sb)
