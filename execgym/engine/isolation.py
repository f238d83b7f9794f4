"""Kernel isolation layers for the sandbox: namespaces, a read-only root, seccomp, rlimits.

Everything here is Linux-specific and called only inside fork-server workers (never in the
caller's process). Each function either succeeds or raises ``OSError``; the fork-server records
which layers it managed to enable and reports them to the caller (``execgym doctor`` prints them).

Layers, outside to inside:

* ``enter_user_net_pid_namespaces`` -- fresh user, network and PID namespaces (unprivileged where
  the kernel allows user namespaces). The network namespace has only a down loopback interface.
* ``isolate_filesystem`` -- (inside the PID namespace) a private mount namespace where every
  mount is remounted read-only, a size-capped tmpfs covers ``/tmp`` (the work dirs live there),
  and ``/proc`` is a fresh procfs of the sandbox's own PID namespace (host processes invisible).
* identities -- a root caller's namespace maps only to unprivileged host ids
  (``WORKER_HOST_ID`` for the server, ``CHILD_HOST_ID`` for the children); every child becomes
  ``CHILD_NS_ID`` and drops all capabilities (``ChildIdentity``).
* the seccomp filter lives in ``execgym.engine.seccomp``.
* ``apply_rlimits`` -- per-child address space, CPU seconds, file size, open files, core, stack,
  process count.
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
import sys
from dataclasses import dataclass

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_THREAD = 0x00010000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_RELATIME = 1 << 21

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37
SECCOMP_MODE_FILTER = 2

_libc: ctypes.CDLL | None = None


def libc() -> ctypes.CDLL:
    """The C library, loaded once, with errno capture."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _check(ret: int, what: str) -> int:
    if ret == -1:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return ret


def prctl(option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0) -> int:
    fn = libc().prctl
    fn.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return _check(fn(option, arg2, arg3, arg4, arg5), f"prctl({option})")


def unshare(flags: int) -> None:
    if hasattr(os, "unshare"):  # Python >= 3.12
        os.unshare(flags)
        return
    _check(libc().unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    fn = libc().mount
    fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    enc = lambda s: None if s is None else s.encode()
    _check(fn(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


PR_SET_NAME = 15


def raw_fork():
    """A ``fork`` that skips CPython's at-fork machinery, or ``None`` where that is unsafe.

    ``os.fork`` runs ``PyOS_BeforeFork``/``AfterFork`` and every ``os.register_at_fork`` hook
    (``threading`` re-creates its thread table, ``random`` reseeds): in a freshly forked child
    each object those touch is a copy-on-write page fault, measured at ~65 faults (~0.2 ms on a
    VM) per execution. The zygote that calls this is single-threaded, holds no import lock or
    other interpreter lock while it forks, and needs none of those hooks, so it may call the C
    library's ``fork`` directly (through ``ctypes.PyDLL``: the GIL stays held across the call, so
    the child resumes exactly as the parent left off). Returns ``None`` (use ``os.fork``) when the
    process has more than one thread, the interpreter runs without a GIL, or libc has no
    ``fork``. The callable returns the child's pid (0 in the child) and raises ``OSError``.
    """
    if getattr(sys, "_is_gil_enabled", lambda: True)() is False:
        return None
    try:
        if len(os.listdir("/proc/self/task")) != 1:
            return None
        fork = ctypes.PyDLL(None, use_errno=True).fork
    except (OSError, AttributeError):
        return None
    fork.restype = ctypes.c_int
    fork.argtypes = ()

    def _fork() -> int:
        pid = fork()
        if pid < 0:
            err = ctypes.get_errno()
            raise OSError(err, f"fork: {os.strerror(err)}")
        return pid

    return _fork


class QuietCalls:
    """``kill`` and ``waitpid`` from the C library, returning -1 on failure instead of raising.

    For the zygote's loop, whose usual case is a failure (``ESRCH``: the run's process group is
    already empty; ``ECHILD``: no child left to reap): a Python exception there writes ~10
    pages (each a copy-on-write fault right after a fork). ``waitpid(pid, None, options)``.
    """

    def __init__(self) -> None:
        lib = libc()
        self.kill = lib.kill
        self.kill.argtypes = (ctypes.c_int, ctypes.c_int)
        self.kill.restype = ctypes.c_int
        self.waitpid = lib.waitpid
        self.waitpid.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
        self.waitpid.restype = ctypes.c_int


def set_process_name(name: bytes) -> None:
    """Set this thread's ``comm`` name (shown by ps / psutil ``name()``), at most 15 bytes.

    ``prctl(PR_SET_NAME)``: needs no write access to ``/proc/self/comm`` (a non-dumpable
    process's ``/proc`` files belong to host root, out of reach of the namespace's ids)."""
    global _name_buffer
    if _name_buffer is None:
        _name_buffer = ctypes.create_string_buffer(16)
    _name_buffer.value = name[:15]
    prctl(PR_SET_NAME, ctypes.addressof(_name_buffer))


_name_buffer = None


PR_SET_DUMPABLE = 4
UNPRIVILEGED_UID = 65534  # "nobody": children run as this uid when the worker is real root


def set_dumpable(on: bool) -> None:
    """Non-dumpable: processes without CAP_SYS_PTRACE in the initial user namespace can no longer
    open our ``/proc/<pid>/mem``, ``environ`` or ``fd/`` (inherited by forked children)."""
    prctl(PR_SET_DUMPABLE, 1 if on else 0)


def drop_to_unprivileged_uid(uid: int = UNPRIVILEGED_UID) -> None:
    """Become ``uid`` (no supplementary groups): every capability is dropped with root."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


PR_CAPBSET_DROP = 24


def drop_capability_bounding_set() -> int:
    """Empty this process's capability bounding set (inherited by every fork; no exec can then
    gain a capability back). Best effort: returns how many capabilities were dropped."""
    dropped = 0
    for cap in range(64):
        try:
            prctl(PR_CAPBSET_DROP, cap)
            dropped += 1
        except OSError as exc:
            if exc.errno == errno.EINVAL:  # past the kernel's last capability
                break
            return dropped
    return dropped


def set_child_subreaper() -> None:
    prctl(PR_SET_CHILD_SUBREAPER, 1)


def set_parent_death_signal(signum: int) -> None:
    prctl(PR_SET_PDEATHSIG, signum)


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------
# namespaces and identities
#
# Ids inside the worker's user namespace and the host ids they map to. A root caller maps the
# namespace's root (the server and zygote) and the children's id to two *unprivileged* host ids,
# so nothing in the worker ever holds host root for a permission check; an unprivileged caller
# can map only its own id, to the children's id (the server keeps the namespace's capabilities
# and every child drops them).
WORKER_HOST_ID = 65533    # host uid/gid of the namespace's root (server, zygote); root callers
CHILD_HOST_ID = UNPRIVILEGED_UID  # host uid/gid of every execution child; root callers
CHILD_NS_ID = 1000        # uid/gid of every execution child inside the user namespace


@dataclass
class UserNamespace:
    """What ``enter_user_net_pid_namespaces`` set up (reported by ``execgym doctor``)."""

    ipc_uts: bool            # private System V IPC / message queues and hostname too
    privileged_map: bool     # root caller: ids mapped by a helper outside the namespace
    uid_map: str
    gid_map: str
    child_ns_id: int = CHILD_NS_ID

    def host_id(self, ns_id: int, which: str = "uid") -> int | None:
        """The host id ``ns_id`` maps to, or ``None`` if unmapped."""
        for line in (self.uid_map if which == "uid" else self.gid_map).splitlines():
            inside, outside, count = (int(x) for x in line.split())
            if inside <= ns_id < inside + count:
                return outside + ns_id - inside
        return None


def _fork_id_map_writer(uid_map: str, gid_map: str) -> tuple[int, int]:
    """Fork a helper that stays in the caller's user namespace (with its CAP_SETUID) and, once
    told (one byte on the returned pipe), writes ``uid_map``/``gid_map`` of this process.
    Returns (helper pid, write end of its pipe). Only a process outside a user namespace with
    capabilities over its parent may map ids other than its own."""
    target = os.getpid()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the helper
        code = 1
        try:
            os.close(w)
            if os.read(r, 1) == b"1":
                _write(f"/proc/{target}/uid_map", uid_map)
                _write(f"/proc/{target}/gid_map", gid_map)
                code = 0
        except BaseException:
            pass
        os._exit(code)
    os.close(r)
    return pid, w


def _wait_exit_code(pid: int) -> int:
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            return os.waitstatus_to_exitcode(status)
        except InterruptedError:
            continue
        except ChildProcessError:
            return -1


def _ids_mapped(ids: tuple[int, ...]) -> bool:
    """Whether every id exists (as uid and as gid) in this process's own user namespace."""
    for which in ("uid_map", "gid_map"):
        try:
            with open(f"/proc/self/{which}", encoding="ascii") as fh:
                ranges = [tuple(int(x) for x in line.split()) for line in fh if line.strip()]
        except (OSError, ValueError):
            return False
        if not all(any(a <= i < a + n for a, _, n in ranges) for i in ids):
            return False
    return True


def enter_user_net_pid_namespaces(pid_ns: bool = True) -> UserNamespace:
    """unshare(USER|NET[|PID]) and map ids so that nothing maps to host root.

    A root caller: the namespace's uid/gid 0 maps to ``WORKER_HOST_ID`` and ``CHILD_NS_ID`` to
    ``CHILD_HOST_ID`` (written by a helper forked before the unshare); the process keeps its
    host-root credentials until ``become_namespace_root`` (call it once the file system is
    prepared: only host root can traverse directories such as a 0700 ``/root``). An
    unprivileged caller -- or root in a container whose own map lacks those two ids -- maps
    its own uid/gid to ``CHILD_NS_ID`` (no other id exists; children drop every capability).

    Must be called while single-threaded. With ``pid_ns`` the *next child* forked becomes PID 1
    of the new PID namespace; the caller must fork before serving. Raises ``OSError`` when the
    namespaces cannot be created (nothing changed) and ``RuntimeError`` when the namespaces
    exist but the ids could not be mapped (the process must not go on).
    """
    uid, gid = os.geteuid(), os.getegid()
    # root in the initial namespace (or in a container whose map holds both ids)
    privileged = uid == 0 and _ids_mapped((WORKER_HOST_ID, CHILD_HOST_ID))
    if privileged:
        uid_map = f"0 {WORKER_HOST_ID} 1\n{CHILD_NS_ID} {CHILD_HOST_ID} 1\n"
        gid_map = f"0 {WORKER_HOST_ID} 1\n{CHILD_NS_ID} {CHILD_HOST_ID} 1\n"
        helper, go = _fork_id_map_writer(uid_map, gid_map)
    else:
        uid_map, gid_map = f"{CHILD_NS_ID} {uid} 1\n", f"{CHILD_NS_ID} {gid} 1\n"
    flags = CLONE_NEWUSER | CLONE_NEWNET | (CLONE_NEWPID if pid_ns else 0)
    try:
        try:  # also private System V IPC objects / POSIX message queues and hostname
            unshare(flags | CLONE_NEWIPC | CLONE_NEWUTS)
            ipc_uts = True
        except OSError:
            unshare(flags)
            ipc_uts = False
    except OSError:
        if privileged:
            os.close(go)
            _wait_exit_code(helper)
        raise
    if privileged:
        os.write(go, b"1")
        os.close(go)
        if _wait_exit_code(helper) != 0:
            raise RuntimeError("could not map the user namespace to unprivileged host ids")
    else:
        try:
            _write("/proc/self/setgroups", "deny")
        except OSError:
            pass
        try:
            _write("/proc/self/uid_map", uid_map)
            _write("/proc/self/gid_map", gid_map)
        except OSError as exc:
            raise RuntimeError(f"could not map the user namespace: {exc}") from None
    return UserNamespace(ipc_uts, privileged, uid_map, gid_map)


def become_namespace_root() -> None:
    """Root callers, after the maps are written: drop the host's supplementary groups and take
    the namespace's root ids (host ``WORKER_HOST_ID``); the namespace's capabilities stay."""
    os.setgroups([])
    os.setresgid(0, 0, 0)
    os.setresuid(0, 0, 0)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class ChildIdentity:
    """Prepared in the server; ``apply()`` in each freshly forked child: become ``ns_id``
    (uid and gid) inside the user namespace and drop every capability (a few syscalls)."""

    def __init__(self, ns_id: int = CHILD_NS_ID) -> None:
        self.ns_id = ns_id
        self._header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
        self._data = (_CapData * 2)()
        self._capset = libc().capset
        self._capset.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        self._capset.restype = ctypes.c_int
        self._args = (ctypes.addressof(self._header), ctypes.addressof(self._data))

    def apply(self) -> None:
        i = self.ns_id
        os.setresgid(i, i, i)
        os.setresuid(i, i, i)
        _check(self._capset(*self._args), "capset")


def _mount_points() -> list[str]:
    points = []
    with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) > 4:
                points.append(parts[4].encode().decode("unicode_escape"))
    return points


def _statvfs_flags(path: str) -> int:
    st = os.statvfs(path)
    keep = 0
    for vfs, ms in (
        (os.ST_NOSUID, MS_NOSUID),
        (os.ST_NODEV, MS_NODEV),
        (os.ST_NOEXEC, MS_NOEXEC),
        (getattr(os, "ST_NOATIME", 1024), MS_NOATIME),
        (getattr(os, "ST_NODIRATIME", 2048), MS_NODIRATIME),
        (getattr(os, "ST_RELATIME", 4096), MS_RELATIME),
    ):
        if st.f_flag & vfs:
            keep |= ms
    return keep


@dataclass
class FilesystemReport:
    readonly_root: bool
    private_tmp: bool
    private_proc: bool
    hidden: list[str]
    failed_mounts: list[str]
    proc_mode: str = ""  # how /proc hides what is not the sandbox's own (see _mount_proc)


# Top-level directories that stay visible (read-only); every other one is covered by an empty
# read-only tmpfs, with the interpreter's own directories (``keep``) bound back.
VISIBLE_TOP_LEVEL = frozenset({"usr", "lib", "lib32", "lib64", "libx32", "bin", "sbin", "etc",
                               "dev", "proc", "tmp"})
HIDDEN_FILES = ("/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh")


def _under(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip("/") + "/")


DEV_NODES = ("null", "zero", "full", "random", "urandom")


def _minimal_dev(fds: list[tuple[str, int]]) -> bool:
    """Cover /dev with a read-only tmpfs holding only the harmless character devices
    (``fds``: O_PATH descriptors of those nodes, opened beforehand)."""
    try:
        mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=755")
        for name, fd in fds:
            open(f"/dev/{name}", "a").close()
            mount(f"/proc/self/fd/{fd}", f"/dev/{name}", None, MS_BIND)
        for link, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                             ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
            os.symlink(target, f"/dev/{link}")
        os.mkdir("/dev/shm", 0o755)
        mount(None, "/dev", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC)
        return True
    except OSError:
        return False


# With a plain procfs (no ``subset=pid``): read-only binds over these directories and files,
# /dev/null over these files, an empty read-only tmpfs over these directories.
PROC_READ_ONLY = ("sys", "sysrq-trigger", "bus", "fs", "irq")
PROC_MASKED_FILES = ("kcore", "kmsg", "keys", "timer_list", "sched_debug", "latency_stats",
                     "kallsyms", "kpagecount", "kpageflags", "kpagecgroup")
PROC_MASKED_DIRS = ("acpi", "scsi", "asound", "driver")
_PROC_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC


def _mount_proc() -> str:
    """A fresh procfs of the sandbox's PID namespace on /proc; returns how it is restricted.

    ``"subset=pid"`` (Linux >= 5.8): only process directories exist (no ``/proc/sys``,
    ``/proc/sysrq-trigger``, ``kcore``...); the sandbox's PID namespace holds only the server,
    the zygote and the child, and the first two are non-dumpable: their ``/proc`` entries belong
    to host root and are read-only for the child (no ``hidepid``: the server reads the zygote's
    ``statm`` for its memory report). Otherwise ``"masked"``: a plain procfs
    with ``PROC_READ_ONLY`` bound read-only and ``PROC_MASKED_*`` covered. Raises ``OSError``
    when no procfs can be mounted or masked.
    """
    try:
        mount("proc", "/proc", "proc", _PROC_FLAGS, "subset=pid")
        return "subset=pid"
    except OSError:
        pass
    mount("proc", "/proc", "proc", _PROC_FLAGS)
    mode = "masked"
    for name in PROC_READ_ONLY:
        path = f"/proc/{name}"
        if os.path.exists(path):
            mount(path, path, None, MS_BIND | MS_REC)
            mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _PROC_FLAGS)
    for name in PROC_MASKED_FILES:
        if os.path.exists(f"/proc/{name}"):
            mount("/dev/null", f"/proc/{name}", None, MS_BIND)
    for name in PROC_MASKED_DIRS:
        if os.path.isdir(f"/proc/{name}"):
            mount("tmpfs", f"/proc/{name}", "tmpfs", _PROC_FLAGS | MS_RDONLY, "size=4k")
    return mode


def isolate_filesystem(keep: list[str], tmp_size_mb: int = 256,
                       switch_identity=None) -> FilesystemReport:
    """Private mount namespace: everything read-only, caller data hidden, tmpfs /tmp, fresh /proc.

    ``keep``: absolute paths the worker needs (Python prefix, package dirs); they stay visible
    read-only even inside hidden top-level directories. Call inside the user namespace (and, for
    ``/proc``, as a member of the new PID namespace). ``switch_identity``: called once every path
    has been looked up (with the caller's host credentials) and before anything is created (the
    new identity must own the new mounts' files): ``become_namespace_root`` for a root caller.
    """
    unshare(CLONE_NEWNS)
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    failed: list[str] = []
    root_ok = False
    for point in _mount_points():
        if point == "/proc" or point.startswith("/proc/"):
            continue
        try:
            flags = _statvfs_flags(point)
            mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags)
            if point == "/":
                root_ok = True
        except OSError:
            failed.append(point)
    hidden: list[str] = []
    keep = sorted({os.path.realpath(p) for p in keep if p and os.path.isabs(p) and os.path.exists(p)})
    keep = [p for p in keep if not any(q != p and _under(p, q) for q in keep)]  # outermost only
    try:
        tops = sorted(os.listdir("/"))
    except OSError:
        tops = []
    # every lookup first: the identity switch may lose access to (say) a 0700 /root
    plan: list[tuple[str, list[tuple[str, int, bool]]]] = []
    dev_fds: list[tuple[str, int]] = []
    hidden_files = [(p, os.path.isdir(p)) for p in HIDDEN_FILES if os.path.exists(p)]
    try:
        for name in tops:
            top = "/" + name
            if name in VISIBLE_TOP_LEVEL or not os.path.isdir(top) or os.path.islink(top):
                continue
            inner = [p for p in keep if _under(p, top)]
            if any(p == top for p in inner):
                continue
            entry: list[tuple[str, int, bool]] = []
            plan.append((top, entry))
            for p in inner:
                try:
                    entry.append((p, os.open(p, os.O_PATH | os.O_CLOEXEC), os.path.isdir(p)))
                except OSError:
                    failed.append(p)
        for name in DEV_NODES:
            if os.path.exists(f"/dev/{name}"):
                dev_fds.append((name, os.open(f"/dev/{name}", os.O_PATH | os.O_CLOEXEC)))
        if switch_identity is not None:
            switch_identity()
        for top, entry in plan:
            try:
                mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
                for p, fd, is_dir in entry:
                    if is_dir:
                        os.makedirs(p, exist_ok=True)
                    else:
                        os.makedirs(os.path.dirname(p), exist_ok=True)
                        open(p, "a").close()
                    mount(f"/proc/self/fd/{fd}", p, None, MS_BIND | MS_REC)
                    mount(None, p, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _statvfs_flags(p))
                mount(None, top, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
                hidden.append(top)
            except OSError:
                failed.append(top)
        if _minimal_dev(dev_fds):
            hidden.append("/dev (only null, zero, full, random, urandom remain)")
        else:
            failed.append("/dev")
    finally:
        for _, entry in plan:
            for _, fd, _ in entry:
                os.close(fd)
        for _, fd in dev_fds:
            os.close(fd)
    for path, is_dir in hidden_files:
        try:
            if is_dir:
                mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=4k")
            else:
                mount("/dev/null", path, None, MS_BIND)
            hidden.append(path)
        except OSError:
            failed.append(path)
    private_tmp = False
    try:
        mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={int(tmp_size_mb)}m,mode=1777")
        private_tmp = True
    except OSError:
        failed.append("/tmp")
    private_proc = False
    proc_mode = ""
    try:
        proc_mode = _mount_proc()
        private_proc = True
    except OSError:
        try:  # cannot show our own PID namespace: hide the host's processes instead
            mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "size=4k")
            proc_mode = "empty tmpfs"
        except OSError:
            failed.append("/proc")
    return FilesystemReport(root_ok, private_tmp, private_proc, hidden, failed, proc_mode)


# --------------------------------------------------------------------------------------------
# rlimits


def apply_rlimits(*, memory_mb: int, cpu_s: int, file_bytes: int, nofile: int, stack_mb: int,
                  nproc: int, pid: int = 0) -> None:
    """Set the per-execution resource limits (soft == hard except CPU: hard = soft + 1).

    ``pid``: set them on that process with ``prlimit`` (the fork server limits a child that is
    waiting for its request -- and cannot change its own limits, seccomp denies it); 0: this one.
    """
    if pid:
        def setlimit(res: int, value: tuple[int, int]) -> None:
            resource.prlimit(pid, res, value)
    else:
        setlimit = resource.setrlimit
    mem = int(memory_mb) * 1024 * 1024
    setlimit(resource.RLIMIT_AS, (mem, mem))
    setlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    setlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    setlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    setlimit(resource.RLIMIT_CORE, (0, 0))
    stack = int(stack_mb) * 1024 * 1024
    setlimit(resource.RLIMIT_STACK, (stack, stack))
    try:
        setlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    except (ValueError, OSError):
        pass
