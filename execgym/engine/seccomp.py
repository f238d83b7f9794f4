"""The seccomp filter of every per-execution child, built by libseccomp or by a built-in assembler.

One rule set (below), two ways to turn it into a classic-BPF program:

* ``"libseccomp"`` -- through ``pyseccomp`` (the ``sandbox`` extra) and the system's
  libseccomp: every architecture libseccomp knows (x86_64, aarch64, ...). Built once per caller
  process (``worker_config``) and handed to the workers, which never load libseccomp.
* ``"builtin"`` -- a hand-assembled x86_64 program (no dependency), the fallback where
  libseccomp or pyseccomp is absent.

Both programs are installed the same way (``SeccompFilter.install``: patch the child's own pid
into the prebuilt program, one ``prctl``), so the backends differ only in the program.

Rules: no new processes (``clone`` without ``CLONE_THREAD``, ``fork``, ``vfork``), no exec, no
sockets, no ptrace, no raising rlimits (``prlimit64`` may only read), no namespace, mount or id
changes, no System V IPC or message queues, a list of kernel-attack-surface syscalls; signals
only to the child itself (``kill``/``tgkill`` with its own pid) and no way to make the kernel
signal anyone else: ``fcntl`` ``F_SETOWN``, ``F_SETOWN_EX``, ``F_SETSIG``, ``F_SETLEASE``,
``F_NOTIFY`` and ``F_SETFL`` with ``O_ASYNC``, ``ioctl`` ``FIOSETOWN``, ``SIOCSPGRP``,
``FIOASYNC``, ``TIOCSPGRP``, ``TIOCSTI``, ``TIOCSCTTY``, ``TIOCCONS`` are refused (``EPERM``).
A syscall of another ABI (x32, i386 on x86_64) kills the process.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
from functools import lru_cache

from execgym.engine.isolation import (
    CLONE_THREAD,
    PR_SET_NO_NEW_PRIVS,
    PR_SET_SECCOMP,
    SECCOMP_MODE_FILTER,
    _check,
    libc,
)

AUDIT_ARCH_X86_64 = 0xC000003E
SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

BACKENDS = ("libseccomp", "builtin")

# ---- the rule set (shared by both backends) ------------------------------------------------

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
DENIED_ENOSYS: tuple[str, ...] = ("clone3",)  # glibc then falls back to clone (checked below)
OWN_PID_ONLY: tuple[str, ...] = ("kill", "tgkill")  # first argument must be the child's pid

F_SETFL = 4
O_ASYNC = 0o20000
FCNTL_DENIED_CMDS = {"F_SETOWN": 8, "F_SETSIG": 10, "F_SETOWN_EX": 15, "F_SETLEASE": 1024,
                     "F_NOTIFY": 1026}
IOCTL_DENIED_CMDS = {"TIOCSCTTY": 0x540E, "TIOCSPGRP": 0x5410, "TIOCSTI": 0x5412,
                     "TIOCCONS": 0x541D, "FIOASYNC": 0x5452, "FIOSETOWN": 0x8901,
                     "SIOCSPGRP": 0x8902}

PID_PLACEHOLDER = 0x7AFEBABE  # patched with the child's pid by SeccompFilter.install

# x86_64 syscall numbers (the built-in assembler; libseccomp resolves names itself)
NR = {
    "socket": 41, "connect": 42, "accept": 43, "bind": 49, "listen": 50, "socketpair": 53,
    "clone": 56, "fork": 57, "vfork": 58, "execve": 59, "kill": 62, "fcntl": 72, "ioctl": 16,
    "ptrace": 101,
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
    "mq_timedreceive": 243, "mq_notify": 244, "mq_getsetattr": 245, "setuid": 105, "setgid": 106,
    "setreuid": 113, "setregid": 114, "setresuid": 117, "setresgid": 119, "setgroups": 116,
    "capset": 126,
}

# ---- the built-in assembler (x86_64) -------------------------------------------------------

_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06
_BUCKET = 4  # syscall numbers compared one by one at a leaf of the search tree


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k & 0xFFFFFFFF)


def _arg_low(index: int) -> int:
    """Offset of the low 32 bits of syscall argument ``index`` in ``struct seccomp_data``."""
    return 16 + 8 * index


def builtin_program() -> bytes:
    """Assemble the rule set for x86_64 (the own-pid constants hold ``PID_PLACEHOLDER``).

    After the arch and x32 checks, the syscall number is located by a binary search (``JGE``
    splits over the sorted special numbers, ``JEQ`` runs of at most ``_BUCKET`` at the leaves)
    that jumps to one handler block per action; any other number is allowed. A search instead
    of a linear chain of ~95 compares keeps every path short: the kernel emulates the filter
    for each syscall number when it is installed (to build its allow-cache), once per execution.
    Integer arguments (``int``/``unsigned int`` in the kernel) are compared on their low word,
    except the pid of ``kill``/``tgkill`` (all 64 bits, as libseccomp does: stricter).
    """
    actions: dict[int, str] = {NR["clone"]: "clone", NR["prlimit64"]: "prlimit_check",
                               NR["fcntl"]: "fcntl_check", NR["ioctl"]: "ioctl_check"}
    for name in OWN_PID_ONLY:
        actions[NR[name]] = "pid_check"
    for name in DENIED_ENOSYS:
        actions[NR[name]] = "enosys"
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
    emit(_JGE_K, 0x40000000, "kill", 0)  # x32 ABI
    search(sorted(actions))
    label("clone")  # allow only thread creation: flags (args[0], low word) must have CLONE_THREAD
    emit(_LD_W_ABS, _arg_low(0))
    emit(_JSET_K, CLONE_THREAD, "allow", "eperm")
    label("pid_check")  # kill(pid, sig) / tgkill(tgid, tid, sig): only ourselves (all 64 bits)
    emit(_LD_W_ABS, _arg_low(0) + 4)
    emit(_JEQ_K, 0, 0, "eperm")
    emit(_LD_W_ABS, _arg_low(0))
    emit(_JEQ_K, PID_PLACEHOLDER, "allow", "eperm")
    label("prlimit_check")  # prlimit64(pid, res, new, old): reading (new == NULL) only
    emit(_LD_W_ABS, _arg_low(2))
    emit(_JEQ_K, 0, 0, "eperm")
    emit(_LD_W_ABS, _arg_low(2) + 4)
    emit(_JEQ_K, 0, "allow", "eperm")
    label("fcntl_check")  # fcntl(fd, cmd, arg): no signal owner, no O_ASYNC
    emit(_LD_W_ABS, _arg_low(1))
    for cmd in sorted(FCNTL_DENIED_CMDS.values()):
        emit(_JEQ_K, cmd, "eperm", 0)
    emit(_JEQ_K, F_SETFL, 0, "allow")
    emit(_LD_W_ABS, _arg_low(2))
    emit(_JSET_K, O_ASYNC, "eperm", "allow")
    label("ioctl_check")  # ioctl(fd, cmd, ...): no signal owner, no async I/O, no tty injection
    emit(_LD_W_ABS, _arg_low(1))
    for cmd in sorted(IOCTL_DENIED_CMDS.values()):
        emit(_JEQ_K, cmd, "eperm", 0)
    emit(_RET_K, SECCOMP_RET_ALLOW)
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
    return bytes(out)


# ---- libseccomp ----------------------------------------------------------------------------


def libseccomp_available() -> str | None:
    """``None`` when the libseccomp backend can be used here, else the reason it cannot."""
    if platform.system() != "Linux":
        return "seccomp needs Linux"
    try:
        import pyseccomp  # noqa: F401
    except ImportError:
        return "pyseccomp is not installed (pip install 'execgym[sandbox]')"
    except OSError as exc:  # pyseccomp loads libseccomp at import
        return f"libseccomp could not be loaded: {exc}"
    return None


def libseccomp_program() -> bytes:
    """The rule set compiled by libseccomp for this machine's architecture (raises ``OSError``
    or ``ImportError`` where libseccomp is unusable)."""
    import pyseccomp as sc

    flt = sc.SyscallFilter(sc.ALLOW)
    flt.set_attr(sc.Attr.ACT_BADARCH, sc.KILL_PROCESS)
    try:
        flt.set_attr(sc.Attr.CTL_OPTIMIZE, 2)  # binary search over syscall numbers (>= 2.5)
    except OSError:
        pass
    native = sc.system_arch()
    eperm = sc.ERRNO(errno.EPERM)
    low = 0xFFFFFFFF  # int arguments: compare the low word, as the kernel reads them

    def add(action: int, name: str, *args) -> None:
        try:
            nr = sc.resolve_syscall(native, name)
        except (OSError, ValueError):
            return
        if nr < 0:  # no such syscall on this architecture
            return
        flt.add_rule(action, nr, *args)

    for name in DENIED_EPERM:
        add(eperm, name)
    for name in DENIED_ENOSYS:
        add(sc.ERRNO(errno.ENOSYS), name)
    add(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    for name in OWN_PID_ONLY:
        add(eperm, name, sc.Arg(0, sc.NE, PID_PLACEHOLDER))
    add(eperm, "prlimit64", sc.Arg(2, sc.NE, 0))
    for cmd in FCNTL_DENIED_CMDS.values():
        add(eperm, "fcntl", sc.Arg(1, sc.MASKED_EQ, low, cmd))
    add(eperm, "fcntl", sc.Arg(1, sc.MASKED_EQ, low, F_SETFL), sc.Arg(2, sc.MASKED_EQ, O_ASYNC, O_ASYNC))
    for cmd in IOCTL_DENIED_CMDS.values():
        add(eperm, "ioctl", sc.Arg(1, sc.MASKED_EQ, low, cmd))
    fd = os.memfd_create("seccomp-bpf")
    try:
        with os.fdopen(os.dup(fd), "wb") as fh:
            flt.export_bpf(fh)
        size = os.fstat(fd).st_size
        return os.pread(fd, size, 0)
    finally:
        os.close(fd)


def pid_offsets(program: bytes) -> list[int]:
    """Byte offsets of every ``PID_PLACEHOLDER`` constant in ``program`` (instruction ``k``)."""
    offsets = []
    for i in range(0, len(program), 8):
        (k,) = struct.unpack_from("=I", program, i + 4)
        if k == PID_PLACEHOLDER:
            offsets.append(i + 4)
    return offsets


@lru_cache(maxsize=None)
def _cached_libseccomp_program() -> bytes:
    return libseccomp_program()


def resolve_backend(seccomp: bool | str) -> str | None:
    """The backend a ``Sandbox(seccomp=...)`` value selects: ``True``/``"auto"``: libseccomp where
    available, else builtin; a backend name: that one (``RuntimeError`` if unusable);
    ``False``: ``None``. Raises ``ValueError`` for anything else."""
    if seccomp is False:
        return None
    if seccomp is True or seccomp == "auto":
        return "libseccomp" if libseccomp_available() is None else "builtin"
    if seccomp == "libseccomp":
        reason = libseccomp_available()
        if reason:
            raise RuntimeError(f"seccomp='libseccomp' is unavailable: {reason}")
        return "libseccomp"
    if seccomp == "builtin":
        return "builtin"
    raise ValueError(f"seccomp must be True, False, 'auto', 'libseccomp' or 'builtin', not {seccomp!r}")


def worker_config(seccomp: bool | str) -> dict:
    """The fork-server configuration for a ``Sandbox(seccomp=...)`` value: the backend and, for
    libseccomp, the compiled program (hex), built once per process."""
    backend = resolve_backend(seccomp)
    if backend is None:
        return {"seccomp": False}
    cfg: dict = {"seccomp": True, "seccomp_backend": backend}
    if backend == "libseccomp":
        try:
            cfg["seccomp_bpf"] = _cached_libseccomp_program().hex()
        except (OSError, ImportError, ValueError) as exc:
            if seccomp == "libseccomp":
                raise RuntimeError(f"libseccomp could not build the filter: {exc}") from None
            cfg.update(seccomp_backend="builtin", seccomp_note=f"libseccomp failed ({exc}); built-in filter")
    return cfg


# ---- installation (both backends) ----------------------------------------------------------


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class SeccompFilter:
    """A prebuilt filter; ``install()`` patches in the calling process's pid and loads it.

    ``program``: a BPF program holding ``PID_PLACEHOLDER`` where the own pid goes (from
    ``libseccomp_program``); ``None``: the built-in program (x86_64 only).
    """

    def __init__(self, program: bytes | None = None, backend: str = "builtin") -> None:
        if program is None:
            if not seccomp_supported():
                raise OSError(errno.ENOSYS, "the built-in seccomp filter is only built for x86_64 Linux")
            program = builtin_program()
        if not program or len(program) % 8 or len(program) // 8 > 4096:
            raise OSError(errno.EINVAL, "malformed seccomp program")
        self.backend = backend
        self._program = program
        self._pid_offsets = pid_offsets(program)
        if not self._pid_offsets:
            raise OSError(errno.EINVAL, "seccomp program lacks the own-pid checks")
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
    """Whether the built-in program fits this machine (x86_64 Linux)."""
    return platform.system() == "Linux" and platform.machine() in ("x86_64", "AMD64")
