"""The fork-server worker: ``python -m execgym.engine.forkserver``.

A small, clean interpreter started by the caller's pool with ``subprocess`` (exec, never a fork
of the caller) and a scrubbed environment. At start it pre-imports the allowed stdlib modules
and ``execgym.engine.child``, enters fresh user + network + PID namespaces and a private mount
namespace with a read-only file system (where the kernel allows), becomes a child subreaper,
prebuilds the seccomp filter, warms up and freezes its heap, forks its **zygote** and sends a
hello frame listing the layers it enabled.

The zygote is a copy of the warm server whose loop only forks one child per execution, reaps it
(``wait4``), kills its process group and sweeps leftovers (it is a subreaper too), so it writes
few of its pages between forks (each page the forking process writes after a fork is a
copy-on-write fault). The server keeps all per-request bookkeeping out of the forking process.
A child is forked *ahead of time* (as soon as the previous one was reaped, while the server
answers): it sets its own process group, stdio and private work dir, loads the seccomp
filter and waits for its request on a pipe; the zygote hands the server the child's pid, work
dir and the server's ends of its pipe and memfds (``SCM_RIGHTS``). For each request read from fd 0 (see
``protocol``) the server sets the child's rlimits with ``prlimit`` and passes it the request
(``marshal``: trusted to trusted, and cheap to decode in a fresh child); the child sets the
recursion limit, calls ``child.execute(request)``, writes its JSON result frame to fd 3 and
``os._exit``\\ s. The server enforces a wall-clock deadline (``select`` on the zygote's status
channel), kills the child's process group at the deadline, and answers the caller with the raw
frame, the capped stdout and a header describing how the child ended (status and rusage from
the zygote). The server never parses the frame.
"""

from __future__ import annotations

import _socket
import ctypes
import gc
import json
import marshal
import math
import os
import select
import signal
import stat
import struct
import sys
import time

from execgym.engine import cleanup, isolation, seccomp
from execgym.engine.protocol import REQUEST_HEAD, encode_response, read_exact, write_all

PREIMPORTED_MODULES: tuple[str, ...] = (
    "math", "collections", "itertools", "functools", "bisect", "heapq", "string", "re", "typing",
    "operator", "copy", "json", "io",
)  # not tempfile: it imports random (see _import_random_without_fork_hook)

DEFAULT_SANDBOX_LIMITS: dict = {
    "timeout": 2.0,          # wall-clock seconds
    "memory_mb": 512,        # RLIMIT_AS
    "cpu_s": None,           # RLIMIT_CPU soft (hard = soft + 1); default ceil(timeout)
    "output_bytes": 65536,   # stdout kept; more is output_limit
    "result_bytes": 4 << 20,  # result frame cap
    "file_bytes": 1 << 20,   # RLIMIT_FSIZE for files the program writes
    "nofile": 64,            # RLIMIT_NOFILE
    "stack_mb": 64,          # RLIMIT_STACK
    "nproc": 64,             # RLIMIT_NPROC (ignored for root; seccomp is the real fork guard)
    "recursion_limit": 2000,
}

_ERR_TAIL = 2048
# Signals the server and zygote block (inherited by the zygote; each child restores its mask):
# none can be sent by a child (seccomp: kill/tgkill only to itself, no F_SETOWN/O_ASYNC, no
# signalling ioctl), so this is the second line -- a stray SIGINT, SIGIO, SIGTSTP... cannot
# stop, interrupt or kill the worker. SIGKILL and SIGSTOP cannot be blocked; SIGTERM stays for
# the pool. The server is also PID 1 of its PID namespace (signals without handler ignored).
WORKER_BLOCKED_SIGNALS = frozenset({
    signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGIO, signal.SIGURG, signal.SIGTSTP,
    signal.SIGTTIN, signal.SIGTTOU, signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM,
    signal.SIGVTALRM, signal.SIGPROF, signal.SIGWINCH, signal.SIGXCPU, signal.SIGXFSZ,
    signal.SIGPIPE})
ZYGOTE_REPORT_S = 2.0  # after a kill, the most the server waits for the zygote's status report
SPARE_WAIT_S = 5.0     # the most the server waits for the zygote's next pre-forked child
RUN_NAME = b"execgym-run"  # comm name of a forked child (waiting for its request, or running it)
_WARM_UP_SOURCE = (
    "def helper(x):\n    return x % 7\n\n"
    "def f(xs):\n    total = 0\n    seen = set()\n    for x in xs:\n        if helper(x) > 3:\n"
    "            total += x\n        seen.add(str(x))\n"
    "    return [total, {'a': (1, 2.5, None)}, sorted(seen), b'ok', [y * 2 for y in xs]]\n"
)


class _Spare:
    """A pre-forked child waiting for its request, and the resources the server holds for it."""

    def __init__(self, pid: int, req_w: int, out_fd: int, err_fd: int, res_fd: int) -> None:
        self.pid, self.req_w = pid, req_w
        self.out_fd, self.err_fd, self.res_fd = out_fd, err_fd, res_fd
        self.reaped = False  # the zygote reported its exit status

    def release(self) -> None:
        """Close the server's fds (the process is already reaped)."""
        for fd in (self.req_w, self.out_fd, self.err_fd, self.res_fd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.req_w = self.out_fd = self.err_fd = self.res_fd = -1


# zygote -> server messages (SOCK_SEQPACKET: one message per recv)
_SPARE_MSG = struct.Struct("=i")       # pid of the new spare (+ its 4 fds as SCM_RIGHTS)
WORK_DIR_NAME = "work"                 # every run's cwd: <work root>/work, the same path each run
# per-run reset bounds when the work root must be removed entry by entry (no private /tmp)
RESET_MAX_ENTRIES = 100_000
RESET_TIME_LIMIT_S = 5.0
_MNT_DETACH = 2
_STATUS_MSG = struct.Struct("=iiqd")   # pid, wait status, ru_maxrss (KiB), user+system CPU s
_SPARE_FDS = struct.Struct("=4i")      # req_w, stdout, stderr, result


class _ZygoteGone(Exception):
    """The zygote process died or broke the protocol: the server must exit."""


class _Server:
    def __init__(self, req_fd: int, resp_fd: int, devnull: int, config: dict) -> None:
        self.req_fd = req_fd
        self.resp_fd = resp_fd
        self.devnull = devnull
        self.config = config
        self.layers: dict = {"notes": []}
        self.seccomp: seccomp.SeccompFilter | None = None
        self.identity: isolation.ChildIdentity | None = None  # children's ids in the user namespace
        self.workdir_owner: int | None = None  # the children's uid when it differs from ours
        self.pid_ns_init = False
        self.work_root = ""
        self.workdir = ""          # the run's cwd, recreated empty before every run
        self.fresh_tmp = False     # each run gets a new tmpfs on /tmp (else: remove entry by entry)
        self.work_root_id: tuple[int, int] | None = None
        self.counter = 0
        self.execute = None
        self.child_uid: int | None = None
        self.zygote_pid = 0
        self.zsock = None

    # -- start-up -------------------------------------------------------------------------
    def setup(self) -> None:
        layers = self.layers
        _import_random_without_fork_hook()
        for name in PREIMPORTED_MODULES:
            __import__(name)
        try:
            from execgym.engine import child

            self.execute = child.execute
        except Exception as exc:  # reported per run as sandbox_error
            layers["notes"].append(f"execgym.engine.child unavailable: {type(exc).__name__}: {exc}")
        # imported lazily by child, and execgym's own light runners (the coverage runner of pattern drafts, whose
        # requests name it instead of carrying its code): stdlib-only modules, no state between runs
        for name in ("execgym.engine.tracer", "execgym.engine.policy", "execgym.synth.light_runner"):
            try:
                __import__(name)
            except Exception as exc:
                layers["notes"].append(f"{name} not preloaded: {type(exc).__name__}: {exc}")
        if self.config.get("namespaces", True):
            self._enter_namespaces()
        else:
            layers["notes"].append("namespaces disabled by configuration")
        for key in ("user_ns", "net_ns", "pid_ns", "mount_ns", "readonly_root", "private_tmp",
                    "private_proc"):
            layers.setdefault(key, False)
        try:
            isolation.set_child_subreaper()
            layers["subreaper"] = True
        except OSError as exc:
            layers["subreaper"] = self.pid_ns_init
            layers["notes"].append(f"subreaper: {exc}")
        if self.config.get("seccomp", True):
            self._prepare_seccomp()
        else:
            layers["notes"].append("seccomp disabled by configuration")
        layers["seccomp"] = self.seccomp is not None
        layers["seccomp_backend"] = self.seccomp.backend if self.seccomp is not None else None
        layers["rlimits"] = True
        try:  # children cannot open the server's /proc/<pid>/mem, environ or fds
            isolation.set_dumpable(False)
            layers["nondumpable_server"] = True
        except OSError as exc:
            layers["nondumpable_server"] = False
            layers["notes"].append(f"PR_SET_DUMPABLE: {exc}")
        # Without a user namespace, root children would hold every capability (and could open
        # any process's /proc/<pid>/mem, the caller's included): run them as an unprivileged uid.
        self.child_uid = None
        if not layers["user_ns"] and os.geteuid() == 0:
            self.child_uid = isolation.UNPRIVILEGED_UID
            self.workdir_owner = self.child_uid
            layers["identity"] = {"child_host_uid": self.child_uid, "child_host_gid": self.child_uid,
                                  "child_uid": self.child_uid, "worker_host_uid": 0,
                                  "mapping": "no user namespace: children setuid to nobody"}
        elif not layers["user_ns"]:
            layers["identity"] = {"child_host_uid": os.geteuid(), "child_host_gid": os.getegid(),
                                  "child_uid": os.geteuid(), "worker_host_uid": os.geteuid(),
                                  "mapping": "no user namespace: the caller's own ids"}
        layers["unprivileged_uid"] = self.child_uid is not None or layers["user_ns"]
        self._warm_up()
        self._setup_work_dirs()
        # temporary files and HOME of every run point into the (reset) work root
        os.environ["TMPDIR"] = os.environ["HOME"] = self.work_root
        if "tempfile" in sys.modules:
            sys.modules["tempfile"].tempdir = self.work_root
        # the zygote forks with libc's fork when it can (no CPython at-fork hooks: ~65 fewer
        # copy-on-write faults per execution); reported for diagnosis
        layers["fork"] = "libc" if isolation.raw_fork() is not None else "os.fork"
        gc.collect()
        gc.freeze()  # children never touch (and so never copy) the server's heap pages for GC
        try:  # hand free malloc memory back: fewer resident pages for every fork to map
            isolation.libc().malloc_trim(0)
        except (OSError, AttributeError):
            pass
        # no capability can come back through an exec (none is allowed anyway)
        layers["bounding_set_dropped"] = isolation.drop_capability_bounding_set() > 0
        # block what no child can send anyway (see WORKER_BLOCKED_SIGNALS); the zygote inherits it
        signal.pthread_sigmask(signal.SIG_BLOCK, WORKER_BLOCKED_SIGNALS)
        self._start_zygote()

    def _prepare_seccomp(self) -> None:
        """The children's seccomp filter: the program the caller compiled with libseccomp
        (``seccomp_bpf``), or the built-in one (``seccomp_backend="builtin"`` or the fallback)."""
        layers = self.layers
        if self.config.get("seccomp_note"):
            layers["notes"].append(str(self.config["seccomp_note"]))
        program = self.config.get("seccomp_bpf")
        if program and self.config.get("seccomp_backend") == "libseccomp":
            try:
                self.seccomp = seccomp.SeccompFilter(bytes.fromhex(program), backend="libseccomp")
                return
            except (OSError, ValueError) as exc:
                layers["notes"].append(f"libseccomp program rejected ({exc}); built-in filter")
        try:
            self.seccomp = seccomp.SeccompFilter(None, backend="builtin")
        except OSError as exc:
            layers["notes"].append(f"seccomp: {exc}")
    def _setup_work_dirs(self) -> None:
        """Where runs write. On the private /tmp: a new tmpfs before every run (the old one, with
        all a run left in it, is detached and freed by the kernel), so every run sees the same
        /tmp, work root and work dir, attributes included. Without one: a work root named after
        its owner on the shared temporary directory, removed (bounded) and recreated between runs."""
        layers = self.layers
        if layers["private_tmp"]:
            self.work_root = "/tmp/execgym"
            if self.config.get("fresh_tmp", True):
                try:
                    _fresh_tmp(int(self.config.get("tmp_size_mb", 256)))
                    self.fresh_tmp = True
                except OSError as exc:
                    layers["notes"].append(f"no fresh /tmp per run ({exc}): entries are removed instead")
            self.workdir = os.path.join(self.work_root, WORK_DIR_NAME)
            self._make_work_dirs(create_root=True)
        else:
            parent = str(self.config.get("work_parent") or "/tmp")
            owner = str(self.config.get("work_owner") or cleanup.owner_token())
            self.work_root = _make_private_dir(parent, owner)
            self.workdir = os.path.join(self.work_root, WORK_DIR_NAME)
            self._make_work_dirs(create_root=False)
        layers["fresh_tmp_per_run"] = self.fresh_tmp

    def _make_work_dirs(self, create_root: bool) -> None:
        """Create (new, empty) the work root and the run's work dir in it; raises ``OSError``."""
        if create_root:
            os.mkdir(self.work_root, 0o700)
        # children of another uid (no user namespace) may create temp files in the work root
        os.chmod(self.work_root, 0o1777 if self.workdir_owner is not None else 0o711)
        self.work_root_id = _identity(self.work_root)
        os.mkdir(self.workdir, 0o700)
        if self.workdir_owner is not None:
            os.chown(self.workdir, self.workdir_owner, self.workdir_owner)

    def _reset_work_dirs(self) -> str | None:
        """Give the next run the file-system state the first run had; never raises.

        Returns ``None``, or why the state could not be restored (the caller must then stop
        using this worker): an entry that cannot be removed, more entries or more time than the
        bounds allow, a work root the run moved or replaced.
        """
        try:
            if self.fresh_tmp:
                _fresh_tmp(int(self.config.get("tmp_size_mb", 256)))
                self._make_work_dirs(create_root=True)
                return None
            max_entries = int(self.config.get("reset_max_entries") or RESET_MAX_ENTRIES)
            deadline = time.monotonic() + float(self.config.get("reset_time_limit_s") or RESET_TIME_LIMIT_S)
            # on a shared /tmp, a work root moved elsewhere cannot be found again
            moved = _identity(self.work_root) != self.work_root_id
            places = [self.work_root]
            if self.layers.get("private_tmp"):  # no fresh tmpfs: every entry of /tmp goes
                places = [os.path.join("/tmp", name) for name in os.listdir("/tmp")]
                _reset_dir_attributes("/tmp", 0o1777)
                moved = False
            for path in places:
                problem = cleanup.remove_tree(path, max_entries=max_entries,
                                              time_limit_s=max(0.0, deadline - time.monotonic()))
                if problem is not None:
                    return problem
            self._make_work_dirs(create_root=True)
            if moved:
                return "the run moved or replaced the work root"
            return None
        except Exception as exc:  # RecursionError, MemoryError, OSError: reported, never fatal
            return f"could not reset the work directories: {type(exc).__name__}: {exc}"[:500]

    def shut_down(self) -> None:
        """At exit: stop the zygote, kill what is left and remove a work root on a shared /tmp."""
        try:
            self._stop_zygote()
            self._sweep()
        except Exception:
            pass
        if self.work_root and not self.layers.get("private_tmp"):
            cleanup.remove_tree(self.work_root, max_entries=1_000_000, time_limit_s=30.0)

    def _warm_up(self) -> None:
        """Run execgym's own sample program through every mode once, in the server itself.

        This fills lazy caches and lets the adaptive interpreter specialise the executor's code
        *before* the heap is frozen, so children copy fewer pages (measured ~20% less CPU per
        traced run). The sample is trusted code; its state is cleared afterwards.
        """
        if self.execute is None:
            return
        import linecache

        for _ in range(3):
            for mode in ("run", "trace"):
                for policy in ("trusted", "restricted"):
                    try:
                        self.execute({"source": _WARM_UP_SOURCE, "call": "f([1, 5, 9])", "mode": mode,
                                      "policy": policy})
                    except Exception:
                        pass
        sys.settrace(None)
        linecache.clearcache()
        try:
            sys.stdout.flush()
        except Exception:
            pass

    def _enter_namespaces(self) -> None:
        layers = self.layers
        try:
            userns = isolation.enter_user_net_pid_namespaces(pid_ns=True)
        except OSError as exc:
            layers["notes"].append(f"user/net/pid namespaces unavailable: {exc}")
            return
        layers.update(user_ns=True, net_ns=True, ipc_ns=userns.ipc_uts)
        ns_id = userns.child_ns_id
        layers["identity"] = {
            "child_uid": ns_id, "child_host_uid": userns.host_id(ns_id, "uid"),
            "child_host_gid": userns.host_id(ns_id, "gid"), "worker_host_uid": userns.host_id(0, "uid"),
            "mapping": "privileged map (root caller)" if userns.privileged_map else "own id only",
            "uid_map": userns.uid_map.strip()}
        self.identity = isolation.ChildIdentity(ns_id)
        if userns.privileged_map:
            self.workdir_owner = ns_id
        switched = []

        def switch_identity() -> None:
            if userns.privileged_map and not switched:
                isolation.become_namespace_root()  # host root no more: WORKER_HOST_ID
                switched.append(True)

        # The next child becomes PID 1 of the new PID namespace: make it the real server.
        pid = os.fork()
        if pid:
            switch_identity()
            os.close(self.req_fd)
            os.close(self.resp_fd)
            signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGKILL))
            while True:
                try:
                    _, status = os.waitpid(pid, 0)
                    break
                except ChildProcessError:
                    status = 0
                    break
                except InterruptedError:
                    continue
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF if status else 0)
        self.pid_ns_init = True
        layers["pid_ns"] = True
        try:
            isolation.set_parent_death_signal(signal.SIGKILL)
        except OSError:
            pass
        try:
            report = isolation.isolate_filesystem(_paths_to_keep(),
                                                  int(self.config.get("tmp_size_mb", 256)),
                                                  switch_identity=switch_identity)
            layers.update(mount_ns=True, readonly_root=report.readonly_root,
                          private_tmp=report.private_tmp, private_proc=report.private_proc,
                          hidden_paths=report.hidden, proc_mode=report.proc_mode)
            if report.failed_mounts:
                layers["notes"].append("could not remount read-only: " + ", ".join(report.failed_mounts))
        except OSError as exc:
            layers["notes"].append(f"mount namespace unavailable: {exc}")
        switch_identity()  # whatever happened above
        try:  # a change of credentials clears the parent-death signal: set it (again)
            isolation.set_parent_death_signal(signal.SIGKILL)
        except OSError:
            pass

    # -- serving --------------------------------------------------------------------------
    def hello(self) -> None:
        header = {"hello": True, "layers": self.layers, "pid": os.getpid(),
                  "host_work_root": None if self.layers.get("private_tmp") else self.work_root,
                  "python": f"{sys.version_info[0]}.{sys.version_info[1]}",
                  "rss_kb": _rss_kb() + _rss_kb(self.zygote_pid)}  # server + zygote
        write_all(self.resp_fd, encode_response(header))

    def serve(self) -> None:
        spare: _Spare | None = None
        try:
            while True:
                try:
                    head = read_exact(self.req_fd, REQUEST_HEAD.size)
                    (length,) = REQUEST_HEAD.unpack(head)
                    body = read_exact(self.req_fd, length)
                except (EOFError, OSError):
                    return
                if spare is None:  # the zygote forked it while we answered the previous request
                    spare = self._receive_spare()
                try:
                    payload = json.loads(body)
                    blob = marshal.dumps(payload)
                    header, frame, stdout = self.run_one(payload, REQUEST_HEAD.pack(len(blob)) + blob, spare)
                except _ZygoteGone:
                    raise
                except Exception as exc:  # a server-side failure is reported, never fatal
                    header, frame, stdout = {"server_error": f"{type(exc).__name__}: {exc}"[:500]}, b"", b""
                    self._discard(spare)
                # Before answering, so that a run that leaves the sandbox unusable is told so
                # (the child and its processes are gone; the next spare waits with cwd /).
                problem = self._reset_work_dirs()
                if problem is not None:
                    header["unusable"] = problem
                try:
                    write_all(self.resp_fd, encode_response(header, frame, stdout))
                except OSError:  # the caller is gone
                    return
                spare.release()
                spare = None
                if problem is not None:
                    return  # the pool replaces this worker
        except _ZygoteGone:
            return
        finally:
            if spare is not None and not spare.reaped:
                _kill_group(spare.pid)
            self._stop_zygote()

    # -- the zygote: the process that forks the children ------------------------------------
    def _start_zygote(self) -> None:
        """Fork the zygote: a copy of this (warm, frozen) server whose only job is to fork one
        child per execution, reap it and sweep leftovers, so its own memory is barely written
        between forks. Every page the forking process writes after a fork costs a copy-on-write
        fault; the server's per-request bookkeeping (parsing, encoding, reading outputs) happens
        here, in a process that is never forked from again."""
        server_end, zygote_end = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the zygote
            code = 0
            try:
                server_end.close()
                self._zygote(zygote_end)
            except BaseException:
                code = 70
            os._exit(code)
        zygote_end.close()
        self.zygote_pid = pid
        self.zsock = server_end

    def _zygote(self, sock) -> None:  # pragma: no cover - runs in the zygote
        """Fork a child; when it has ended, reap it, kill its group, sweep, report its status
        and at once fork the next one (it waits for its request): messages alternate spare,
        status, spare, ... so one execution costs the server a single wake-up from here."""
        os.close(self.req_fd)
        os.close(self.resp_fd)
        try:
            isolation.set_parent_death_signal(signal.SIGKILL)
        except OSError:
            pass
        try:  # orphans of a run are re-parented to the zygote, which sweeps them
            isolation.set_child_subreaper()
        except OSError:
            pass
        isolation.set_process_name(b"execgym-zygote")
        if self.seccomp is not None:  # inherited by every child; harmless here (never execs)
            try:
                self.seccomp.set_no_new_privs()
            except OSError:
                pass
        send, sendmsg, wait4 = sock.send, sock.sendmsg, os.wait4
        quiet = isolation.QuietCalls()  # kill / waitpid that return -1 instead of raising
        fork = isolation.raw_fork() or os.fork
        memfd_create, pipe, close, setpgid = os.memfd_create, os.pipe, os.close, os.setpgid
        level, kind = _socket.SOL_SOCKET, _socket.SCM_RIGHTS
        while True:  # no file-system work here: the server resets the work dirs
            out_fd, err_fd, res_fd = memfd_create("stdout"), memfd_create("stderr"), memfd_create("result")
            req_r, req_w = pipe()
            pid = fork()
            if pid == 0:
                close(req_w)
                sock.close()
                self._child(req_r, out_fd, err_fd, res_fd)
            close(req_r)
            try:
                setpgid(pid, pid)
            except OSError:
                pass
            try:
                sendmsg([_SPARE_MSG.pack(pid)],
                        [(level, kind, _SPARE_FDS.pack(req_w, out_fd, err_fd, res_fd))])
            except OSError:  # the server is gone
                _kill_group(pid)
                return
            close(req_w)
            close(out_fd)
            close(err_fd)
            close(res_fd)
            _, status, ru = wait4(pid, 0)
            quiet.kill(-pid, signal.SIGKILL)  # the run's process group (usually empty by now)
            if quiet.waitpid(-1, None, os.WNOHANG) != -1:  # -1: no child left (the usual case)
                self._sweep()
            try:
                send(_STATUS_MSG.pack(pid, status, ru.ru_maxrss, ru.ru_utime + ru.ru_stime))
            except OSError:
                return

    def _receive_spare(self) -> _Spare:
        """The next pre-forked child: its pid, work dir and the server's ends of its channels.
        A zygote that does not send one within ``SPARE_WAIT_S`` (stopped, wedged) is gone."""
        if not select.select([self.zsock], [], [], SPARE_WAIT_S)[0]:
            raise _ZygoteGone(f"zygote sent no child within {SPARE_WAIT_S} s")
        try:
            msg, anc, _, _ = self.zsock.recvmsg(4096, _socket.CMSG_SPACE(_SPARE_FDS.size))
        except OSError as exc:
            raise _ZygoteGone(f"zygote unreachable: {exc}") from None
        fds = b"".join(data for level, kind, data in anc
                       if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS)
        if len(fds) == _SPARE_FDS.size:
            req_w, out_fd, err_fd, res_fd = _SPARE_FDS.unpack(fds)
        else:
            for (fd,) in struct.iter_unpack("=i", fds[: len(fds) // 4 * 4]):
                os.close(fd)
            raise _ZygoteGone("zygote exited" if not msg else "zygote sent a malformed spare message")
        if len(msg) != _SPARE_MSG.size:
            for fd in (req_w, out_fd, err_fd, res_fd):
                os.close(fd)
            raise _ZygoteGone("zygote sent a malformed spare message")
        (pid,) = _SPARE_MSG.unpack(msg)
        return _Spare(pid, req_w, out_fd, err_fd, res_fd)

    def _child_status(self, spare: _Spare) -> tuple[int, int, float]:
        """Wait for the zygote's report on ``spare``'s child: (wait status, ru_maxrss, CPU s).
        The child has ended or been killed: a zygote silent for ``ZYGOTE_REPORT_S`` is gone (so
        no run costs the caller more than its timeout plus that)."""
        pid = spare.pid
        if not select.select([self.zsock], [], [], ZYGOTE_REPORT_S)[0]:
            raise _ZygoteGone(f"zygote did not report within {ZYGOTE_REPORT_S} s")
        try:
            msg = self.zsock.recv(_STATUS_MSG.size)
        except OSError as exc:
            raise _ZygoteGone(f"zygote unreachable: {exc}") from None
        if len(msg) != _STATUS_MSG.size:
            raise _ZygoteGone("zygote exited" if not msg else "zygote sent a malformed status")
        got_pid, status, maxrss, cpu = _STATUS_MSG.unpack(msg)
        if got_pid != pid:
            raise _ZygoteGone("zygote reported on the wrong child")
        spare.reaped = True
        return status, maxrss, cpu

    def _discard(self, spare: _Spare) -> None:
        """Kill a child whose run failed on the server side and wait for its reap."""
        if spare.req_w >= 0:
            os.close(spare.req_w)
            spare.req_w = -1
        if spare.reaped:
            return
        _kill_group(spare.pid)
        try:
            os.kill(spare.pid, signal.SIGKILL)
        except OSError:
            pass
        self._child_status(spare)

    def _stop_zygote(self) -> None:
        """Kill the zygote (and, through its death signal or the PID namespace, its child)."""
        zsock, self.zsock = self.zsock, None
        if zsock is None:
            return
        zsock.close()
        try:
            os.kill(self.zygote_pid, signal.SIGKILL)
            os.waitpid(self.zygote_pid, 0)
        except OSError:
            pass

    def run_one(self, payload: dict, raw: bytes, spare: _Spare) -> tuple[dict, bytes, bytes]:
        """Execute one request in ``spare``; returns the response parts. The zygote has reaped
        the child, killed its process group and swept every leftover when this returns."""
        self.counter += 1
        limits = dict(DEFAULT_SANDBOX_LIMITS)
        limits.update(payload.get("sandbox") or {})
        timeout = float(limits["timeout"])
        pid = spare.pid
        if self.child_uid is None:  # limits first: a failure raises (the child is discarded)
            _apply_limits(limits, pid)
        started = time.perf_counter()
        try:
            write_all(spare.req_w, raw)  # marshal: trusted server -> child, cheap to decode
        except OSError:
            pass  # the child is gone: its status says why
        os.close(spare.req_w)
        spare.req_w = -1
        ready, _, _ = select.select([self.zsock], [], [], timeout)
        timed_out = not ready
        if timed_out:
            _kill_group(pid)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        status, maxrss, cpu = self._child_status(spare)
        wall = time.perf_counter() - started
        out_size = os.fstat(spare.out_fd).st_size
        cap = int(limits["output_bytes"])
        stdout = os.pread(spare.out_fd, min(out_size, cap), 0) if out_size else b""
        frame_cap = int(limits["result_bytes"])
        frame_size = os.fstat(spare.res_fd).st_size
        frame = os.pread(spare.res_fd, min(frame_size, frame_cap), 0) if frame_size else b""
        err_size = os.fstat(spare.err_fd).st_size
        err_tail = b""
        if err_size:
            err_tail = os.pread(spare.err_fd, _ERR_TAIL, max(0, err_size - _ERR_TAIL))
        header = {
            "pid": pid,
            "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "timed_out": timed_out,
            "wall_s": wall,
            "maxrss_kb": maxrss,
            "cpu_s": cpu,
            "stdout_bytes": out_size,
            "frame_bytes": frame_size,
            "frame_truncated": frame_size > frame_cap,
            "stderr_tail": err_tail.decode("utf-8", "replace"),
            "limits": {"timeout": timeout, "memory_mb": limits["memory_mb"], "cpu_s": limits["cpu_s"]},
        }
        if self.counter % 16 == 1:
            header["server_rss_kb"] = _rss_kb() + _rss_kb(self.zygote_pid)
        return header, frame, stdout

    def _sweep(self) -> int:
        """Kill and reap every remaining descendant (orphans are re-parented to us)."""
        killed = 0
        deadline = time.monotonic() + 5.0
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return killed
            if pid:
                continue  # reaped one; look again
            if time.monotonic() > deadline:
                return killed
            killed += self._kill_leftovers()
            time.sleep(0.0005)

    def _kill_leftovers(self) -> int:
        if self.pid_ns_init:
            try:
                os.kill(-1, signal.SIGKILL)  # inside our PID namespace: every process but us
            except OSError:
                pass
            return 1
        n = 0
        try:
            import psutil

            for proc in psutil.Process().children(recursive=True):
                try:
                    proc.kill()
                    n += 1
                except psutil.Error:
                    pass
        except Exception:
            pass
        return n

    # -- the child ------------------------------------------------------------------------
    def _child(self, req_fd: int, out_fd: int, err_fd: int,
               res_fd: int) -> None:  # pragma: no cover - runs in the forked child
        """Pre-forked: set up stdio, wait for the request, enter the work dir, confine, execute."""
        frame: dict
        limits = dict(DEFAULT_SANDBOX_LIMITS)
        try:
            os.setpgid(0, 0)
            if not self.pid_ns_init:  # in a PID namespace the kernel kills us with the server
                try:
                    isolation.set_parent_death_signal(signal.SIGKILL)
                except OSError:
                    pass
            os.dup2(self.devnull, 0)
            os.dup2(out_fd, 1)
            os.dup2(err_fd, 2)
            os.dup2(res_fd, 3)
            os.dup2(req_fd, 4)
            os.closerange(5, 1 << 16)
            signal.pthread_sigmask(signal.SIG_SETMASK, ())  # the server's blocked set is not the program's
            if self.identity is not None:  # the children's own ids, no capability left
                self.identity.apply()
            isolation.set_process_name(RUN_NAME)  # (after the switch: an execgym-run is never root)
            # Confine before the request exists (off the critical path): the server sets this
            # child's rlimits with prlimit before it sends the request. A child that must drop to
            # another uid (no user namespace) cannot be prlimit-ed without CAP_SYS_RESOURCE: it
            # sets its own limits, drops the uid and loads seccomp after reading the request.
            early = self.child_uid is None
            if early and self.seccomp is not None:
                self.seccomp.install()
            try:
                (length,) = REQUEST_HEAD.unpack(read_exact(4, REQUEST_HEAD.size))
                payload = marshal.loads(read_exact(4, length))
            except (EOFError, OSError, ValueError):
                os._exit(0)  # discarded spare (server shutting down)
            os.close(4)
            os.chdir(self.workdir)  # recreated by the server after the previous run ended
            limits.update(payload.get("sandbox") or {})
            request = payload.get("request") or {}
            _reseed_random_if_used(request)
            stdin_text = limits.get("stdin")
            if stdin_text:
                fd = os.memfd_create("stdin")
                os.write(fd, str(stdin_text).encode("utf-8", "surrogatepass"))
                os.lseek(fd, 0, os.SEEK_SET)
                os.dup2(fd, 0)
                os.close(fd)
            if not early:
                _apply_limits(limits)
                isolation.drop_to_unprivileged_uid(self.child_uid)
                if self.seccomp is not None:
                    self.seccomp.install()
            sys.setrecursionlimit(int(limits["recursion_limit"]))
            if self.execute is None:
                raise RuntimeError("execgym.engine.child is not importable in the worker")
            frame = self.execute(request)
        except MemoryError:
            frame = {"outcome": "memory_limit",
                     "error": {"type": "MemoryError", "message": "", "line": None}}
        except BaseException as exc:
            frame = {"outcome": "sandbox_error",
                     "error": {"type": type(exc).__name__, "message": str(exc)[:500], "line": None}}
        try:
            sys.stdout.flush()
        except BaseException:
            pass
        try:
            data = json.dumps(frame, separators=(",", ":")).encode()
        except BaseException as exc:
            data = json.dumps({"outcome": "sandbox_error",
                               "error": {"type": "FrameError", "message": str(exc)[:200],
                                         "line": None}}).encode()
        if len(data) > int(limits["result_bytes"]):
            data = json.dumps({"outcome": "output_limit",
                               "error": {"type": "ResultTooLarge",
                                         "message": f"result frame of {len(data)} bytes exceeds "
                                                    f"{limits['result_bytes']}", "line": None},
                               "truncated": True}).encode()
        try:
            os.ftruncate(3, 0)
            view = memoryview(data)
            pos = 0
            while pos < len(data):
                pos += os.pwrite(3, view[pos:], pos)
            code = 0
        except BaseException:
            code = 70
        os._exit(code)


def _apply_limits(limits: dict, pid: int = 0) -> None:
    """The request's rlimits, on this process or (``pid``) on a waiting child."""
    cpu_s = limits["cpu_s"]
    cpu_s = int(cpu_s) if cpu_s else max(1, math.ceil(float(limits["timeout"])))
    file_bytes = max(int(limits["file_bytes"]), int(limits["output_bytes"]) + 1,
                     int(limits["result_bytes"]) + 1)
    isolation.apply_rlimits(memory_mb=int(limits["memory_mb"]), cpu_s=cpu_s, file_bytes=file_bytes,
                            nofile=int(limits["nofile"]), stack_mb=int(limits["stack_mb"]),
                            nproc=int(limits["nproc"]), pid=pid)


def _import_random_without_fork_hook() -> None:
    """Import ``random`` (RestrictedPython imports it) without its at-fork hook.

    ``random`` registers ``_inst.seed`` to run in every forked child: ~40 page faults and
    ~0.1 ms per execution, although few programs use ``random``. The child reseeds instead only
    when the request's text mentions ``random`` (see ``_reseed_random_if_used``); a program that
    reaches the module by other means gets the server's (fixed, harmless) generator state.
    """
    if "random" in sys.modules:
        return
    hooks: list[dict] = []
    register = os.register_at_fork
    os.register_at_fork = lambda **kw: hooks.append(kw)  # type: ignore[assignment]
    try:
        import random  # noqa: F401
    except Exception:
        pass
    finally:
        os.register_at_fork = register


def _reseed_random_if_used(request: dict) -> None:
    """Give the child a fresh ``random`` seed when its program may use the module."""
    random = sys.modules.get("random")
    if random is None:
        return
    source, call = request.get("source"), request.get("call")
    if (type(source) is str and "random" in source) or (type(call) is str and "random" in call):
        random.seed()


def _paths_to_keep() -> list[str]:
    """Directories the worker's interpreter and children may need to read."""
    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable))]
    paths += [p for p in sys.path if p.rstrip("/").endswith(("site-packages", "dist-packages"))]
    import execgym

    paths += [os.path.realpath(p) for p in getattr(execgym, "__path__", [])]
    return paths


def _make_private_dir(parent: str, owner: str) -> str:
    """A fresh 0700 directory ``execgym-work-<owner>-<random>`` under ``parent`` (``owner``:
    ``cleanup.owner_token()`` of the pool's process, for ``cleanup.sweep_stale_work_dirs``)."""
    for _ in range(100):
        path = os.path.join(parent, cleanup.WORK_DIR_PREFIX + owner + "-" + os.urandom(6).hex())
        try:
            os.mkdir(path, 0o700)
            return path
        except FileExistsError:
            continue
    raise OSError("could not create a private work directory")


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def _identity(path: str) -> tuple[int, int] | None:
    """(st_dev, st_ino) of the directory at ``path`` (not following a link), else ``None``."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None


def _fresh_tmp(size_mb: int) -> None:
    """Detach the private /tmp (the kernel frees it with everything in it) and mount a new one.

    Same mount as ``isolation.isolate_filesystem`` makes. Raises ``OSError``; a failed detach
    mounts nothing (tmpfs must not pile up)."""
    if isolation.libc().umount2(b"/tmp", _MNT_DETACH) == -1:
        err = ctypes.get_errno()
        raise OSError(err, f"umount /tmp: {os.strerror(err)}")
    isolation.mount("tmpfs", "/tmp", "tmpfs", isolation.MS_NOSUID | isolation.MS_NODEV,
                    f"size={int(size_mb)}m,mode=1777")


def _reset_dir_attributes(path: str, mode: int) -> None:
    """Give a directory that cannot be recreated its mode back and drop its user.* xattrs."""
    os.chmod(path, mode)
    for name in os.listxattr(path, follow_symlinks=False):
        if name.startswith("user."):
            os.removexattr(path, name, follow_symlinks=False)


def _rss_kb(pid: int | str = "self") -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, ValueError, IndexError):
        return 0


def main() -> None:
    req_fd = os.dup(0)
    resp_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.set_inheritable(devnull, True)
    config = json.loads(os.environ.pop("EXECGYM_FORKSERVER_CONFIG", "{}") or "{}")
    server = _Server(req_fd, resp_fd, devnull, config)
    try:
        server.setup()
        server.hello()
        server.serve()
    finally:  # also when the caller died (EOF, broken pipe) or setup failed
        server.shut_down()


if __name__ == "__main__":
    main()
