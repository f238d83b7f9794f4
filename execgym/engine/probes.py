"""Canary probes that *measure* which isolation layers are active (used by ``execgym doctor``).

Each probe runs a small program through a real sandbox and checks its effect from both sides
(e.g. a file the program tries to write outside its work dir must not appear on the host; a
listener the caller opens on 127.0.0.1 must not see a connection). Nothing is assumed from the
worker's own report; that report is shown next to the measurement.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from execgym.engine.pool import LIVE_WORKERS, Sandbox


@dataclass
class LayerCheck:
    layer: str
    active: bool
    evidence: str


_PROBE_SOURCE = r'''
import os, resource, socket

def probe(port, outside_dir, secret_file, env_key, visible_path, caller_pid):
    out = {}
    try:
        with open(visible_path, "w") as fh:
            fh.write("x")
        out["write_visible"] = "written"
    except OSError as e:
        out["write_visible"] = "errno %s" % e.errno
    try:
        out["uid_map"] = open("/proc/self/uid_map").read().split()
    except OSError as e:
        out["uid_map"] = ["error", type(e).__name__]
    try:
        lines = open("/proc/self/net/dev").read().splitlines()[2:]
        out["net_ifaces"] = sorted(l.split(":")[0].strip() for l in lines)
    except OSError as e:
        out["net_ifaces"] = ["error " + type(e).__name__]
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=1)
        s.close()
        out["loopback_connect"] = "connected"
    except OSError as e:
        out["loopback_connect"] = type(e).__name__
    try:
        out["proc_pids"] = len([d for d in os.listdir("/proc") if d.isdigit()])
    except OSError:
        out["proc_pids"] = -1
    out["pid"] = os.getpid()
    try:
        with open(os.path.join(outside_dir, "written-by-sandbox"), "w") as fh:
            fh.write("x")
        out["write_outside"] = "written"
    except OSError as e:
        out["write_outside"] = type(e).__name__
    try:
        out["read_outside"] = open(secret_file).read()
    except OSError as e:
        out["read_outside"] = type(e).__name__
    try:
        with open("inside.txt", "w") as fh:
            fh.write("ok")
        out["write_workdir"] = "written"
    except OSError as e:
        out["write_workdir"] = type(e).__name__
    status = open("/proc/self/status").read()
    out["seccomp_mode"] = next((l.split()[1] for l in status.splitlines() if l.startswith("Seccomp:")), "?")
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        out["fork"] = "forked"
    except OSError as e:
        out["fork"] = type(e).__name__
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
        out["raise_rlimit"] = "raised"
    except (OSError, ValueError) as e:
        out["raise_rlimit"] = type(e).__name__
    out["rlimits"] = {name: list(resource.getrlimit(getattr(resource, "RLIMIT_" + name)))
                      for name in ("AS", "CPU", "FSIZE", "NOFILE", "CORE", "STACK")}
    out["proc_mem"] = []
    for pid in sorted({1, os.getppid(), caller_pid}):
        try:
            os.close(os.open("/proc/%d/mem" % pid, os.O_RDWR))
            out["proc_mem"].append(pid)
        except OSError:
            pass
    out["env_leak"] = env_key in os.environ
    out["env_keys"] = sorted(os.environ)
    out["ids"] = [os.getuid(), os.getgid(), os.getgroups()]
    out["caps"] = next((l.split()[1] for l in status.splitlines() if l.startswith("CapEff:")), "?")
    out["proc_sys"] = {}
    for p in ("/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches", "/proc/sys/kernel/panic",
              "/proc/sysrq-trigger"):
        try:  # open for writing only: never write
            os.close(os.open(p, os.O_WRONLY))
            out["proc_sys"][p] = "WRITABLE"
        except OSError as e:
            out["proc_sys"][p] = "absent" if e.errno == 2 else "denied (%s)" % e.errno
    return out
'''

_ORPHAN_SOURCE = r'''
import os, time
def escape():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(30)
        os._exit(0)
    time.sleep(0.2)
    return "escaped"
'''


def _descendant_pids() -> set[int]:
    import psutil

    pids = set()
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                pids.add(p.pid)
        except psutil.Error:
            pass
    return pids


def _worker_pids() -> set[int]:
    pids: set[int] = set()
    for w in list(LIVE_WORKERS):
        pids |= w.server_pids()
    return pids


def _host_id(uid_map: list[str], ns_id: int) -> int | None:
    nums = [int(x) for x in uid_map if x.lstrip("-").isdigit()]
    for inside, outside, count in zip(nums[0::3], nums[1::3], nums[2::3]):
        if inside <= ns_id < inside + count:
            return outside + ns_id - inside
    return None


def _identity_check(raw: dict, reported: dict) -> LayerCheck:
    """The child's ids inside its user namespace, the host ids they map to, its capabilities."""
    uid, gid, groups = raw["ids"]
    host_uid = _host_id(raw["uid_map"], uid)
    ident = reported.get("identity") or {}
    host_gid = ident.get("child_host_gid", "?")
    worker = ident.get("worker_host_uid", "?")
    no_caps = raw["caps"] == "0000000000000000"
    ok = host_uid not in (None, 0) and no_caps and 0 not in groups
    return LayerCheck("unprivileged identity", ok,
                      f"child uid {uid} gid {gid} in the sandbox -> host uid {host_uid} gid {host_gid}; "
                      f"worker -> host uid {worker}; capabilities {'none' if no_caps else raw['caps']}; "
                      f"{ident.get('mapping', 'mapping unknown')}")


def run_probes() -> dict:
    """Run every probe; returns ``{"reported": worker layers, "checks": [LayerCheck...], "raw": ...}``."""
    env_key = f"EXECGYM_DOCTOR_CANARY_{uuid.uuid4().hex[:8].upper()}"
    visible = f"/etc/.execgym-doctor-{uuid.uuid4().hex[:8]}"
    os.environ[env_key] = "secret"
    base = Path.home() if os.access(Path.home(), os.W_OK) else Path.cwd()
    outside = Path(tempfile.mkdtemp(prefix=".execgym-doctor-", dir=base))
    secret = outside / "secret.txt"
    secret.write_text("doctor-canary")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.setblocking(False)
    checks: list[LayerCheck] = []
    try:
        with Sandbox(workers=1) as sb:
            reported = sb.layers()
            r = sb.run(_PROBE_SOURCE, f"probe({listener.getsockname()[1]}, {str(outside)!r}, "
                       f"{str(secret)!r}, {env_key!r}, {visible!r}, {os.getpid()})", timeout=10.0)
        if r.outcome != "ok":
            return {"reported": reported, "checks": [], "error": f"probe run failed: {r.outcome} {r.error}"}
        raw = r.return_value
        try:
            listener.accept()
            accepted = True
        except BlockingIOError:
            accepted = False
        written = (outside / "written-by-sandbox").exists() or os.path.exists(visible)
        uid_map = raw["uid_map"]
        checks.append(LayerCheck("user namespace", uid_map[:3] != ["0", "0", "4294967295"]
                                 and uid_map[:1] != ["error"], f"uid_map {' '.join(uid_map)}"))
        checks.append(LayerCheck("network namespace", raw["net_ifaces"] == ["lo"],
                                 f"interfaces {raw['net_ifaces']}"))
        checks.append(LayerCheck("no network", not accepted and raw["loopback_connect"] != "connected",
                                 f"connect to a host listener on 127.0.0.1: {raw['loopback_connect']}"))
        checks.append(LayerCheck("PID namespace", 0 < raw["proc_pids"] <= 4 and raw["pid"] < 100,
                                 f"{raw['proc_pids']} processes visible, own pid {raw['pid']}"))
        import errno as _errno

        checks.append(LayerCheck("read-only file system", not written
                                 and raw["write_visible"] == f"errno {_errno.EROFS}"
                                 and raw["write_workdir"] == "written",
                                 f"write to {visible}: {raw['write_visible']}; write in the work dir: "
                                 f"{raw['write_workdir']}"))
        checks.append(LayerCheck("host files hidden", raw["read_outside"] != "doctor-canary",
                                 f"read of a caller file: {raw['read_outside']}"))
        checks.append(LayerCheck("seccomp filter", raw["seccomp_mode"] == "2" and raw["fork"] != "forked",
                                 f"Seccomp mode {raw['seccomp_mode']} ({reported.get('seccomp_backend')} "
                                 f"program); fork(): {raw['fork']}"))
        checks.append(_identity_check(raw, reported))
        writable = [p for p, v in raw["proc_sys"].items() if v == "WRITABLE"]
        checks.append(LayerCheck("/proc/sys read-only", not writable,
                                 f"/proc is {reported.get('proc_mode') or 'the host view'}; open for writing: "
                                 + ", ".join(f"{p.rsplit('/', 1)[1]} {v}" for p, v in raw["proc_sys"].items())))
        lim = raw["rlimits"]
        rl_ok = (lim["AS"][0] > 0 and lim["CPU"][0] > 0 and lim["CORE"] == [0, 0]
                 and raw["raise_rlimit"] != "raised")
        checks.append(LayerCheck("rlimits", rl_ok,
                                 f"AS {lim['AS'][0] >> 20} MB, CPU {lim['CPU']}, FSIZE {lim['FSIZE'][0]}, "
                                 f"NOFILE {lim['NOFILE'][0]}, CORE {lim['CORE'][0]}; raising: {raw['raise_rlimit']}"))
        checks.append(LayerCheck("other processes' memory", not raw["proc_mem"],
                                 "open /proc/<pid>/mem of the server and the caller for writing: "
                                 + ("denied" if not raw["proc_mem"] else f"ALLOWED for {raw['proc_mem']}")))
        checks.append(LayerCheck("scrubbed environment", not raw["env_leak"],
                                 f"{len(raw['env_keys'])} variables, caller canary "
                                 f"{'LEAKED' if raw['env_leak'] else 'absent'}"))
        # orphan sweep: needs fork, so measured with the seccomp layer off
        before = _descendant_pids()
        with Sandbox(workers=1, seccomp=False) as sb:
            r2 = sb.run(_ORPHAN_SOURCE, "escape()", timeout=5.0)
            time.sleep(0.2)
            leftover = _descendant_pids() - before - _worker_pids()
        checks.append(LayerCheck("subreaper / orphan sweep", r2.outcome == "ok" and not leftover,
                                 f"setsid + double fork: {r2.outcome}; leftover processes: {len(leftover)}"))
        return {"reported": reported, "checks": [asdict(c) for c in checks], "raw": raw}
    finally:
        listener.close()
        os.environ.pop(env_key, None)
        for p in (secret, outside / "written-by-sandbox", Path(visible)):
            try:
                p.unlink()
            except OSError:
                pass
        try:
            outside.rmdir()
        except OSError:
            pass
