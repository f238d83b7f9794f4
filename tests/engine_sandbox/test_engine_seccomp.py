"""The seccomp filter's two backends (libseccomp through pyseccomp, the built-in x86_64 program)
enforce the same rules: the same syscall matrix and the same attack programs get the same results."""

from __future__ import annotations

import errno
import platform

import pytest

from execgym.engine import seccomp
from execgym.engine.pool import Sandbox

LIBSECCOMP_MISSING = seccomp.libseccomp_available()
needs_libseccomp = pytest.mark.skipif(LIBSECCOMP_MISSING is not None,
                                      reason=f"libseccomp backend unavailable: {LIBSECCOMP_MISSING}")
needs_builtin = pytest.mark.skipif(not seccomp.seccomp_supported(),
                                   reason="the built-in program is x86_64 only")

# (name, x86_64 syscall number, args, expected errno or 0 for success); args may name "fd"
# (a pipe's read end), "own" (the child's pid), "buf" (a writable 64-byte buffer)
SYSCALLS = [
    ("fork", 57, (), errno.EPERM),
    ("vfork", 58, (), errno.EPERM),
    ("clone_process", 56, (17, 0, 0, 0, 0), errno.EPERM),  # SIGCHLD, no CLONE_THREAD
    ("clone3", 435, (0, 0), errno.ENOSYS),
    ("execve_null", 59, (0, 0, 0), errno.EPERM),
    ("socket_unix", 41, (1, 1, 0), errno.EPERM),
    ("socketpair", 53, (1, 1, 0, "buf"), errno.EPERM),
    ("ptrace_traceme", 101, (0, 0, 0, 0), errno.EPERM),
    ("kill_server", 62, (1, 0), errno.EPERM),
    ("kill_everyone", 62, (-1, 0), errno.EPERM),
    ("kill_own_group", 62, (0, 0), errno.EPERM),
    ("kill_own_pid", 62, ("own", 0), 0),
    ("kill_own_pid_high_bits", 62, ("own+2**32", 0), errno.EPERM),  # the pid is compared on 64 bits
    ("tgkill_server", 234, (1, 1, 0), errno.EPERM),
    ("tkill", 200, ("own", 0), errno.EPERM),
    ("rt_sigqueueinfo", 129, (1, 10, "buf"), errno.EPERM),
    ("prlimit_set_nofile", 302, (0, 7, "buf", 0), errno.EPERM),
    ("prlimit_get_nofile", 302, (0, 7, 0, "buf"), 0),
    ("setrlimit", 160, (7, "buf"), errno.EPERM),
    ("fcntl_getfl", 72, ("fd", 3, 0), 0),
    ("fcntl_setfl_nonblock", 72, ("fd", 4, 0o4000), 0),
    ("fcntl_setfl_async", 72, ("fd", 4, 0o20000), errno.EPERM),
    ("fcntl_setown", 72, ("fd", 8, "own"), errno.EPERM),
    ("fcntl_setown_high_bits", 72, ("fd", 8 | (1 << 32), "own"), errno.EPERM),
    ("fcntl_setsig", 72, ("fd", 10, 9), errno.EPERM),
    ("fcntl_setown_ex", 72, ("fd", 15, "buf"), errno.EPERM),
    ("fcntl_setlease", 72, ("fd", 1024, 0), errno.EPERM),
    ("fcntl_notify", 72, ("fd", 1026, 1), errno.EPERM),
    ("fcntl_dupfd", 72, ("fd", 0, 10), None),  # allowed: returns a new fd
    ("ioctl_fionread", 16, ("fd", 0x541B, "buf"), 0),
    ("ioctl_fiosetown", 16, ("fd", 0x8901, "buf"), errno.EPERM),
    ("ioctl_siocspgrp", 16, ("fd", 0x8902, "buf"), errno.EPERM),
    ("ioctl_fioasync", 16, ("fd", 0x5452, "buf"), errno.EPERM),
    ("ioctl_tiocsti", 16, ("fd", 0x5412, "buf"), errno.EPERM),
    ("ioctl_tiocspgrp", 16, ("fd", 0x5410, "buf"), errno.EPERM),
    ("unshare_user", 272, (0x10000000,), errno.EPERM),
    ("setns", 308, (0, 0), errno.EPERM),
    ("mount", 165, (0, 0, 0, 0, 0), errno.EPERM),
    ("setuid_root", 105, (0,), errno.EPERM),
    ("setgroups", 116, (0, 0), errno.EPERM),
    ("capset", 126, ("buf", "buf"), errno.EPERM),
    ("bpf", 321, (0, 0, 0), errno.EPERM),
    ("perf_event_open", 298, (0, 0, 0, 0, 0), errno.EPERM),
    ("userfaultfd", 323, (0,), errno.EPERM),
    ("io_uring_setup", 425, (1, 0), errno.EPERM),
    ("pidfd_open", 434, (1, 0), errno.EPERM),
    ("keyctl", 250, (0, 0), errno.EPERM),
    ("shmget", 29, (0, 4096, 0), errno.EPERM),
    ("mq_open", 240, (0, 0, 0, 0), errno.EPERM),
    ("getpid", 39, (), 0),
    ("gettid", 186, (), 0),
]

MATRIX_SOURCE = r'''
import ctypes, os

def f(rows):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    buf = ctypes.create_string_buffer(64)
    r, w = os.pipe()
    own = os.getpid()
    values = {"fd": r, "own": own, "own+2**32": own + 2 ** 32, "buf": ctypes.addressof(buf)}
    out = {}
    for name, nr, args in rows:
        a = [values[x] if isinstance(x, str) else x for x in args]
        ctypes.set_errno(0)
        res = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(x) for x in a])
        out[name] = ctypes.get_errno() if res == -1 else 0
    return out
'''

X32_SOURCE = ("import ctypes\ndef f():\n    libc = ctypes.CDLL(None, use_errno=True)\n"
              "    return libc.syscall(ctypes.c_long(0x40000000 + 39))\n")

ATTACKS = {
    "fork_bomb": ("import os\nwhile True:\n    os.fork()\n", "0"),
    "subprocess": ("import subprocess\ndef f():\n    return subprocess.run(['id'])\n", "f()"),
    "threads": ("import threading\ndef f():\n    out = []\n    t = threading.Thread(target=lambda: out.append(1))\n"
                "    t.start(); t.join()\n    return out\n", "f()"),
    "kill_parent": ("import os, signal\ndef f():\n    os.kill(os.getppid(), signal.SIGKILL)\n", "f()"),
    "raise_rlimit": ("import resource\ndef f():\n    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))\n", "f()"),
    "own_signal": ("import os, signal\ndef f():\n    signal.signal(signal.SIGUSR1, lambda *a: None)\n"
                   "    os.kill(os.getpid(), signal.SIGUSR1)\n    return 'ok'\n", "f()"),
    "abort": ("import os\ndef f():\n    os.abort()\n", "f()"),
    "set_blocking": ("import os\ndef f():\n    r, w = os.pipe()\n    os.set_blocking(r, False)\n"
                     "    return os.get_blocking(r)\n", "f()"),
    "x32": (X32_SOURCE, "f()"),
}


def _rows(machine_is_x86_64: bool) -> list:
    return [(name, nr, list(args)) for name, nr, args, _ in SYSCALLS] if machine_is_x86_64 else []


def _results(backend: str) -> tuple[dict, dict]:
    with Sandbox(workers=1, seccomp=backend) as sb:
        layers = sb.layers()
        assert layers["seccomp"] and layers["seccomp_backend"] == backend, layers
        matrix = sb.run(MATRIX_SOURCE, f"f({_rows(True)!r})")
        assert matrix.outcome == "ok", (matrix.outcome, matrix.error)
        attacks = {}
        for name, (source, call) in ATTACKS.items():
            r = sb.run(source, call)
            attacks[name] = (r.outcome, r.error.type if r.error else None,
                             r.return_value if r.outcome == "ok" else None)
        return matrix.return_value, attacks


@pytest.fixture(scope="module")
def builtin_results():
    if not seccomp.seccomp_supported():
        pytest.skip("the built-in program is x86_64 only")
    return _results("builtin")


@needs_builtin
def test_builtin_filter_enforces_the_rules(builtin_results):
    matrix, attacks = builtin_results
    expected = {name: want for name, _, _, want in SYSCALLS if want is not None}
    assert {k: matrix[k] for k in expected} == expected
    assert attacks["fork_bomb"][:2] == ("exception", "PermissionError")
    assert attacks["threads"] == ("ok", None, [1])
    assert attacks["own_signal"] == ("ok", None, "ok")
    assert attacks["set_blocking"] == ("ok", None, False)
    assert attacks["kill_parent"][:2] == ("exception", "PermissionError")
    assert attacks["x32"][0] != "ok"  # another ABI kills the process


@needs_libseccomp
@needs_builtin
def test_both_backends_give_the_same_results(builtin_results):
    matrix, attacks = _results("libseccomp")
    assert matrix == builtin_results[0]
    assert attacks == builtin_results[1]


@needs_libseccomp
def test_libseccomp_program_has_the_own_pid_checks_and_fits():
    program = seccomp.libseccomp_program()
    assert len(program) % 8 == 0 and 0 < len(program) // 8 < 4096
    assert seccomp.pid_offsets(program), "the own-pid constant is missing"
    flt = seccomp.SeccompFilter(program, backend="libseccomp")
    assert flt.backend == "libseccomp" and flt.instructions == len(program) // 8


def test_backend_selection(monkeypatch):
    assert seccomp.resolve_backend(False) is None
    assert seccomp.resolve_backend("builtin") == "builtin"
    with pytest.raises(ValueError, match="seccomp must be"):
        seccomp.resolve_backend("libsecomp")
    with pytest.raises(ValueError):
        Sandbox(workers=1, seccomp="bogus")
    monkeypatch.setattr(seccomp, "libseccomp_available", lambda: "pyseccomp is not installed")
    assert seccomp.resolve_backend(True) == "builtin"  # the fallback where libseccomp is absent
    assert seccomp.worker_config(True) == {"seccomp": True, "seccomp_backend": "builtin"}
    with pytest.raises(RuntimeError, match="pyseccomp is not installed"):
        seccomp.resolve_backend("libseccomp")


@needs_builtin
def test_fallback_worker_reports_builtin(monkeypatch):
    monkeypatch.setattr(seccomp, "libseccomp_available", lambda: "pyseccomp is not installed")
    with Sandbox(workers=1) as sb:
        assert sb.layers()["seccomp_backend"] == "builtin"
        r = sb.run("import os\ndef f():\n    return os.fork()\n", "f()")
        assert r.outcome == "exception" and r.error.type == "PermissionError", r


def test_default_backend_is_libseccomp_where_available():
    want = "libseccomp" if LIBSECCOMP_MISSING is None else "builtin"
    if want == "builtin" and not seccomp.seccomp_supported():
        pytest.skip(f"no seccomp backend on {platform.machine()}")
    assert seccomp.resolve_backend(True) == want
