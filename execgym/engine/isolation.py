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
* ``SeccompFilter`` -- a hand-built classic-BPF seccomp filter (x86_64 only) installed in every
  per-execution child: no new processes (clone without CLONE_THREAD, fork, vfork), no exec, no
  sockets, no signals to other processes, no ptrace, no raising rlimits, no namespace or mount
  changes, plus a list of kernel-attack-surface syscalls.
* ``apply_rlimits`` -- per-child address space, CPU seconds, file size, open files, core, stack,
  process count.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import struct
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

    Writes ``/proc/self/comm`` (no ctypes: cheap in a freshly forked child)."""
    fd = os.open("/proc/self/comm", os.O_WRONLY)
    try:
        os.write(fd, name[:15])
    finally:
        os.close(fd)


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
# namespaces


def enter_user_net_pid_namespaces(pid_ns: bool = True) -> bool:
    """unshare(USER|NET[|PID]) and map the current uid/gid to root inside the user namespace.

    Must be called while single-threaded. With ``pid_ns`` the *next child* forked becomes PID 1
    of the new PID namespace; the caller must fork before serving. Returns whether IPC and UTS
    namespaces were created too.
    """
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWUSER | CLONE_NEWNET | (CLONE_NEWPID if pid_ns else 0)
    try:  # also private System V IPC objects / POSIX message queues and hostname
        unshare(flags | CLONE_NEWIPC | CLONE_NEWUTS)
        ipc_uts = True
    except OSError:
        unshare(flags)
        ipc_uts = False
    try:
        _write("/proc/self/setgroups", "deny")
    except OSError:
        pass
    _write("/proc/self/uid_map", f"0 {uid} 1\n")
    _write("/proc/self/gid_map", f"0 {gid} 1\n")
    return ipc_uts


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


# Top-level directories that stay visible (read-only); every other one is covered by an empty
# read-only tmpfs, with the interpreter's own directories (``keep``) bound back.
VISIBLE_TOP_LEVEL = frozenset({"usr", "lib", "lib32", "lib64", "libx32", "bin", "sbin", "etc",
                               "dev", "proc", "tmp"})
HIDDEN_FILES = ("/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh")


def _under(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip("/") + "/")


DEV_NODES = ("null", "zero", "full", "random", "urandom")


def _minimal_dev() -> bool:
    """Cover /dev with a read-only tmpfs holding only the harmless character devices."""
    fds: list[tuple[str, int]] = []
    try:
        fds = [(name, os.open(f"/dev/{name}", os.O_PATH | os.O_CLOEXEC)) for name in DEV_NODES
               if os.path.exists(f"/dev/{name}")]
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
    finally:
        for _, fd in fds:
            os.close(fd)


def isolate_filesystem(keep: list[str], tmp_size_mb: int = 256) -> FilesystemReport:
    """Private mount namespace: everything read-only, caller data hidden, tmpfs /tmp, fresh /proc.

    ``keep``: absolute paths the worker needs (Python prefix, package dirs); they stay visible
    read-only even inside hidden top-level directories. Call inside the user namespace (and, for
    ``/proc``, as a member of the new PID namespace).
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
    for name in tops:
        top = "/" + name
        if name in VISIBLE_TOP_LEVEL or not os.path.isdir(top) or os.path.islink(top):
            continue
        inner = [p for p in keep if _under(p, top)]
        if any(p == top for p in inner):
            continue
        fds = []
        try:
            fds = [(p, os.open(p, os.O_PATH | os.O_CLOEXEC)) for p in inner]
            mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
            for p, fd in fds:
                if os.path.isdir(f"/proc/self/fd/{fd}"):
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
        finally:
            for _, fd in fds:
                os.close(fd)
    if _minimal_dev():
        hidden.append("/dev (only null, zero, full, random, urandom remain)")
    else:
        failed.append("/dev")
    for path in HIDDEN_FILES:
        if os.path.exists(path):
            try:
                if os.path.isdir(path):
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
    try:
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        private_proc = True
    except OSError:
        try:  # cannot show our own PID namespace: hide the host's processes instead
            mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "size=4k")
        except OSError:
            failed.append("/proc")
    return FilesystemReport(root_ok, private_tmp, private_proc, hidden, failed)


# --------------------------------------------------------------------------------------------
# seccomp

AUDIT_ARCH_X86_64 = 0xC000003E
SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

# classic BPF opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06

# x86_64 syscall numbers
NR = {
    "socket": 41, "connect": 42, "accept": 43, "bind": 49, "listen": 50, "socketpair": 53,
    "clone": 56, "fork": 57, "vfork": 58, "execve": 59, "kill": 62, "ptrace": 101,
    "setrlimit": 160, "chroot": 161, "mount": 165, "umount2": 166, "swapon": 167, "swapoff": 168,
    "reboot": 169, "pivot_root": 155, "init_module": 175, "delete_module": 176, "tkill": 200,
    "tgkill": 234, "kexec_load": 246, "add_key": 248, "request_key": 249, "keyctl": 250,
    "unshare": 272, "perf_event_open": 298, "prlimit64": 302, "name_to_handle_at": 303,
    "open_by_handle_at": 304, "setns": 308, "process_vm_readv": 310, "process_vm_writev": 311,
    "kcmp": 312, "finit_module": 313, "kexec_file_load": 320, "bpf": 321, "execveat": 322,
    "userfaultfd": 323, "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428,
    "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
    "pidfd_open": 434, "clone3": 435, "pidfd_send_signal": 424, "pidfd_getfd": 438,
    "mount_setattr": 442, "shmget": 29, "shmat": 30, "shmctl": 31, "semget": 64, "semop": 65,
    "semctl": 66, "shmdt": 67, "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71,
    "semtimedop": 220, "mq_open": 240, "mq_unlink": 241, "mq_timedsend": 242,
    "mq_timedreceive": 243, "mq_notify": 244, "mq_getsetattr": 245, "setuid": 105, "setgid": 106, "setreuid": 113, "setregid": 114,
    "setresuid": 117, "setresgid": 119, "setgroups": 116, "capset": 126,
}

DENIED_EPERM: tuple[str, ...] = (
    "socket", "connect", "accept", "bind", "listen", "socketpair", "fork", "vfork", "execve",
    "execveat", "ptrace", "setrlimit", "chroot", "mount", "umount2", "swapon", "swapoff", "reboot",
    "pivot_root", "init_module", "delete_module", "finit_module", "kexec_load", "kexec_file_load",
    "tkill", "add_key", "request_key", "keyctl", "unshare", "setns", "perf_event_open",
    "name_to_handle_at", "open_by_handle_at", "process_vm_readv", "process_vm_writev", "kcmp",
    "bpf", "userfaultfd", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "open_tree", "move_mount", "fsopen", "fsconfig",
    "fsmount", "fspick", "mount_setattr", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "capset",
    "shmget", "shmat", "shmctl", "semget", "semop", "semctl", "shmdt", "msgget", "msgsnd", "msgrcv",
    "msgctl", "semtimedop", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify",
    "mq_getsetattr",
)

_PID_PLACEHOLDER = 0x7AFEBABE


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k & 0xFFFFFFFF)


_BUCKET = 4  # syscall numbers compared one by one at a leaf of the search tree


def _build_program() -> tuple[bytes, list[int]]:
    """Assemble the filter; returns (program bytes, byte offsets of the own-pid constants).

    After the arch and x32 checks, the syscall number is located by a binary search (``JGE``
    splits over the sorted special numbers, ``JEQ`` runs of at most ``_BUCKET`` at the leaves)
    that jumps to one handler block per action; any other number is allowed. A search instead
    of a linear chain of ~90 compares keeps every path short: the kernel emulates the filter
    for each syscall number when it is installed (to build its allow-cache), once per execution.
    """
    actions: dict[int, str] = {NR["clone"]: "clone", NR["clone3"]: "enosys",
                               NR["kill"]: "kill_check", NR["tgkill"]: "kill_check",
                               NR["prlimit64"]: "prlimit_check"}
    for name in DENIED_EPERM:
        actions.setdefault(NR[name], "eperm")
    ins: list[list] = []  # [code, jt, jf, k] with jt/jf an offset or a label
    labels: dict[str, int] = {}

    def emit(code: int, k: int = 0, jt: str | int = 0, jf: str | int = 0) -> None:
        ins.append([code, jt, jf, k])

    def label(name: str) -> None:
        labels[name] = len(ins)

    def search(keys: list[int]) -> None:
        if len(keys) <= _BUCKET:
            for nr in keys:
                emit(_JEQ_K, nr, actions[nr], 0)
            emit(_RET_K, SECCOMP_RET_ALLOW)
            return
        mid = len(keys) // 2
        upper = f"ge{keys[mid]}"
        emit(_JGE_K, keys[mid], upper, 0)
        search(keys[:mid])
        label(upper)
        search(keys[mid:])

    emit(_LD_W_ABS, 4)  # seccomp_data.arch
    emit(_JEQ_K, AUDIT_ARCH_X86_64, 0, "kill")
    emit(_LD_W_ABS, 0)  # seccomp_data.nr
    emit(_JGE_K, 0x40000000, "eperm", 0)  # x32 ABI
    search(sorted(actions))
    label("clone")  # allow only thread creation: flags (args[0], low word) must have CLONE_THREAD
    emit(_LD_W_ABS, 16)
    emit(_JSET_K, CLONE_THREAD, "allow", "eperm")
    label("kill_check")  # kill(pid, sig) / tgkill(tgid, tid, sig): only ourselves (or 0 = own group)
    emit(_LD_W_ABS, 16)
    emit(_JEQ_K, 0, "allow", 0)
    pid_index = len(ins)
    emit(_JEQ_K, _PID_PLACEHOLDER, "allow", "eperm")
    label("prlimit_check")  # prlimit64(pid, res, new, old): reading (new == NULL) only
    emit(_LD_W_ABS, 32)
    emit(_JEQ_K, 0, 0, "eperm")
    emit(_LD_W_ABS, 36)
    emit(_JEQ_K, 0, "allow", "eperm")
    label("eperm")
    emit(_RET_K, SECCOMP_RET_ERRNO | errno.EPERM)
    label("enosys")
    emit(_RET_K, SECCOMP_RET_ERRNO | errno.ENOSYS)
    label("kill")
    emit(_RET_K, SECCOMP_RET_KILL_PROCESS)
    label("allow")
    emit(_RET_K, SECCOMP_RET_ALLOW)

    def rel(target: str | int, at: int) -> int:
        if isinstance(target, str):
            off = labels[target] - at - 1
            if not 0 <= off <= 255:
                raise ValueError("seccomp jump out of range")
            return off
        return target

    out = bytearray()
    for i, (code, jt, jf, k) in enumerate(ins):
        out += _insn(code, rel(jt, i), rel(jf, i), k)
    return bytes(out), [pid_index * 8 + 4]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class SeccompFilter:
    """A prebuilt filter; ``install()`` patches in the calling process's pid and loads it."""

    def __init__(self) -> None:
        if not seccomp_supported():
            raise OSError(errno.ENOSYS, "seccomp filter is only built for x86_64 Linux")
        self._program, self._pid_offsets = _build_program()
        self._buffer = ctypes.create_string_buffer(self._program, len(self._program))
        self._fprog = _SockFprog(len(self._program) // 8, ctypes.addressof(self._buffer))
        self._fprog_address = ctypes.addressof(self._fprog)
        self._prctl = libc().prctl
        self._prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                                ctypes.c_ulong]
        self._no_new_privs = False  # already set in this process (and so inherited by forks)

    @property
    def instructions(self) -> int:
        return len(self._program) // 8

    def install(self) -> None:
        """Load the filter into the current (single-threaded, freshly forked) process.

        Everything ctypes needs was built in the server; the child only patches its pid into
        the (copy-on-write) buffer and makes the prctl calls (one when ``set_no_new_privs`` ran
        in the forking process).
        """
        pid = struct.pack("=I", os.getpid())
        for off in self._pid_offsets:
            self._buffer[off:off + 4] = pid
        if not self._no_new_privs:
            self.set_no_new_privs()
        _check(self._prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, self._fprog_address, 0, 0),
               "PR_SET_SECCOMP")

    def set_no_new_privs(self) -> None:
        """``PR_SET_NO_NEW_PRIVS`` for this process and its future children (a fork server sets
        it once, so ``install`` in each child makes one ``prctl`` call instead of two)."""
        _check(self._prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS")
        self._no_new_privs = True


def seccomp_supported() -> bool:
    return platform.system() == "Linux" and platform.machine() in ("x86_64", "AMD64")


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
