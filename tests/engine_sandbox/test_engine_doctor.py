"""``execgym doctor`` measures layers by probes; the fallback without namespaces still isolates."""

from __future__ import annotations

import os
import subprocess
import sys

from execgym.engine.pool import Sandbox
from execgym.engine.probes import run_probes


def test_probes_agree_with_reported_layers():
    report = run_probes()
    assert "error" not in report, report.get("error")
    checks = {c["layer"]: c for c in report["checks"]}
    reported = report["reported"]
    for layer in ("seccomp filter", "rlimits", "scrubbed environment", "subreaper / orphan sweep",
                  "no network", "unprivileged identity", "/proc/sys read-only"):
        assert checks[layer]["active"], checks[layer]
    # measured namespace layers match what the worker says it enabled
    assert checks["user namespace"]["active"] == reported["user_ns"]
    assert checks["network namespace"]["active"] == reported["net_ns"]
    assert checks["PID namespace"]["active"] == reported["pid_ns"]
    assert checks["read-only file system"]["active"] == reported["readonly_root"]


def test_doctor_cli_prints_a_table():
    out = subprocess.run([sys.executable, "-m", "execgym", "doctor"], capture_output=True, text=True,
                         timeout=120, check=False)
    assert "seccomp filter" in out.stdout and "rlimits" in out.stdout, out.stdout + out.stderr
    # the identity the child runs with, and which seccomp backend is active
    assert "unprivileged identity     active" in out.stdout, out.stdout
    assert "identity: children run as uid" in out.stdout and "-> host uid 0 " not in out.stdout, out.stdout
    assert "/proc/sys read-only       active" in out.stdout, out.stdout
    assert "seccomp backend: libseccomp" in out.stdout or "seccomp backend: builtin" in out.stdout, out.stdout
    assert out.returncode in (0, 1)


def test_without_namespaces_other_layers_still_hold(no_leftovers):
    with Sandbox(workers=1, namespaces=False) as sb:
        layers = sb.layers()
        assert not layers["user_ns"] and layers["seccomp"] and layers["subreaper"]
        r = sb.run("import os\ndef f():\n    return os.fork()\n", "f()")
        assert r.outcome == "exception" and r.error.type == "PermissionError", r
        r = sb.run("import os\ndef f(pid):\n    try:\n        os.close(os.open('/proc/%d/mem' % pid, os.O_RDWR))\n"
                   "        return 'opened'\n    except OSError as e:\n        return e.errno\n", f"f({os.getpid()})")
        assert r.outcome == "ok" and r.return_value != "opened", r  # the caller's memory is out of reach
        r = sb.run("import os\ndef f():\n    return os.getcwd()\n", "f()")
        assert r.outcome == "ok" and "execgym-work-" in r.return_value
        r = sb.run("while True:\n    pass\n", "0", timeout=0.3)
        assert r.outcome == "timeout"
        no_leftovers(sb)
    with Sandbox(workers=1, namespaces=False, seccomp=False) as sb:
        src = ("import os, time\ndef f():\n    if os.fork() == 0:\n        os.setsid()\n"
               "        if os.fork() == 0:\n            time.sleep(60)\n        os._exit(0)\n"
               "    time.sleep(0.2)\n    return 1\n")
        assert sb.run(src, "f()").return_value == 1
        no_leftovers(sb)
