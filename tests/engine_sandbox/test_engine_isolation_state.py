"""State between runs: no run can break, or be seen by, the next one; no work dir is left behind.

Each scenario runs with namespaces on (a fresh tmpfs on /tmp before every run), on the fallback
that removes entries one by one (``fresh_tmp`` off), and with namespaces off (a work root on the
system temporary directory) where that applies.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import execgym
from execgym.engine import cleanup
from execgym.engine.pool import LIVE_WORKERS, Sandbox
from execgym.engine.request import RunRequest

VIEW = r'''
import os

def view(paths):
    """What a run sees of ``paths`` (``$TMPDIR``: the work root, ``.``: the run's cwd)."""
    out = {"cwd": os.path.relpath(os.getcwd(), os.environ["TMPDIR"])}
    for p in paths:
        real = os.path.expandvars(p)
        st = os.lstat(real)
        try:
            xattrs = sorted(os.listxattr(real))
        except OSError as exc:
            xattrs = f"error {exc.errno}"
        out[p] = {"mode": oct(st.st_mode), "uid": st.st_uid, "gid": st.st_gid, "size": st.st_size,
                  "nlink": st.st_nlink, "names": sorted(os.listdir(real)), "xattrs": xattrs,
                  "mtime": st.st_mtime}
    return out
'''

# Leaves every mark it can on ``paths``: xattrs, files, dirs, a new mode, an old mtime.
MARK = r'''
import os

def mark(paths):
    done = []
    for p in paths:
        real = os.path.expandvars(p)
        for name, op in (
            ("xattr", lambda: os.setxattr(real, "user.execgym_test", b"left")),
            ("file", lambda: open(os.path.join(real, "left-behind"), "w").close()),
            ("dir", lambda: os.makedirs(os.path.join(real, "sub", "subsub"))),
            ("chmod", lambda: os.chmod(real, 0o755)),
            ("mtime", lambda: os.utime(real, (1e9, 1e9))),
        ):
            try:
                op()
                done.append([p, name])
            except OSError:
                pass
    return done
'''

DEEP = r'''
import os

def deep(where, levels):
    os.chdir(os.path.expandvars(where))
    for _ in range(levels):
        os.mkdir("d")
        os.chdir("d")
    return levels
'''

# (name, source, call) of runs that try to break the work dirs for the run after them
TAMPER = {
    "rename_work_root": "import os\ndef f():\n    os.chdir('/')\n    os.rename('/tmp/execgym', '/tmp/moved')\n",
    "work_root_replaced_by_file": (
        "import os\ndef f():\n    os.chdir('/')\n    os.rename('/tmp/execgym', '/tmp/moved')\n"
        "    open('/tmp/execgym', 'w').close()\n"),
    "work_dirs_removed": (
        "import os\ndef f():\n    cwd = os.getcwd()\n    os.chdir('/')\n    os.rmdir(cwd)\n"
        "    os.rmdir(os.environ['TMPDIR'])\n"),
    "chmod_000_everywhere": (
        "import os\ndef f():\n    os.makedirs('locked/inner')\n    open('locked/inner/x', 'w').close()\n"
        "    for p in ('locked/inner', 'locked', '.', os.environ['TMPDIR'], '/tmp'):\n"
        "        os.chmod(p, 0)\n"),
    "fifo_socket_links": (
        "import os\ndef f():\n    os.mkfifo('fifo')\n    os.symlink('loop', 'loop')\n"
        "    os.symlink('/etc', 'etc-link')\n    os.symlink('/tmp', os.environ['TMPDIR'] + '/up')\n"),
    "immutable_and_append_only_flags": (  # chattr +i / +a (needs CAP_LINUX_IMMUTABLE on the host)
        "import fcntl, os, struct\ndef f():\n    done = []\n    os.mkdir('d')\n    open('d/x', 'w').close()\n"
        "    for path, flag in (('d/x', 0x10), ('d', 0x10), ('.', 0x20), (os.environ['TMPDIR'], 0x10)):\n"
        "        fd = os.open(path, os.O_RDONLY)\n        try:\n"
        "            fcntl.ioctl(fd, 0x40086602, struct.pack('l', flag))\n            done.append(path)\n"
        "        except OSError:\n            pass\n        os.close(fd)\n    return done\n"),
    "fill_tmp": (
        "import os\ndef f():\n    i = 0\n    try:\n        while True:\n"
        "            with open(f'/tmp/fill{i}', 'wb') as fh:\n                fh.write(b'x' * (1 << 20))\n"
        "            i += 1\n    except OSError:\n        return i\n"),
}

# The same tampering where the work root lives on the shared /tmp (namespaces off; the child
# is another uid): only what such a child can do to its own work dir.
TAMPER_SHARED = {
    "chmod_000_dirs": (
        "import os\ndef f():\n    os.makedirs('locked/inner')\n    open('locked/inner/x', 'w').close()\n"
        "    for p in ('locked/inner', 'locked', '.'):\n        os.chmod(p, 0)\n"),
    "links_out_of_the_tree": (
        "import os\ndef f(victim):\n    os.symlink(victim, 'dir-link')\n"
        "    os.symlink(victim + '/keep.txt', 'file-link')\n    os.mkfifo('fifo')\n"
        "    os.symlink('loop', 'loop')\n"),
}


def _view(sb: Sandbox, paths: list[str]) -> dict:
    r = sb.run(VIEW, f"view({paths!r})")
    assert r.outcome == "ok", (r.outcome, r.error)
    return r.return_value


def _without_mtimes(view: dict) -> dict:
    return {k: ({kk: vv for kk, vv in v.items() if kk != "mtime"} if isinstance(v, dict) else v)
            for k, v in view.items()}


def _assert_same_state(before: dict, after: dict, since: float) -> None:
    """``after`` is ``before`` (a fresh start's view) up to mtimes, which are all new."""
    assert _without_mtimes(after) == _without_mtimes(before)
    for key, entry in after.items():
        if isinstance(entry, dict):
            assert entry["mtime"] >= since - 2.0, (key, entry["mtime"], since)


def _wait_gone(paths, timeout: float = 30.0) -> list[str]:
    deadline = time.monotonic() + timeout
    left = [p for p in paths if os.path.lexists(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [p for p in left if os.path.lexists(p)]
    return left


MODES = {
    "fresh_tmp": {},
    "entry_by_entry": {"fresh_tmp": False},
}


@pytest.fixture(params=list(MODES))
def ns_pool(request):
    """A one-worker pool with a private /tmp, in each reset mode."""
    with Sandbox(workers=1, tmp_size_mb=8, response_grace_s=30.0) as sb:
        sb.worker_config.update(MODES[request.param])
        layers = sb.layers()
        if not layers.get("private_tmp"):
            pytest.skip(f"no private /tmp here: {layers.get('notes')}")
        assert layers.get("fresh_tmp_per_run") is (request.param == "fresh_tmp"), layers
        yield sb


@pytest.fixture
def shared_pool():
    """A one-worker pool without namespaces: its work root is on the system temporary directory."""
    with Sandbox(workers=1, namespaces=False, response_grace_s=30.0) as sb:
        yield sb


NS_PATHS = ["/tmp", "$TMPDIR", "."]
SHARED_PATHS = ["$TMPDIR", "."]


# -- item 5: the next run sees exactly what a run after a fresh start sees ----------------------

def test_marks_on_tmp_work_root_and_cwd_do_not_reach_the_next_run(ns_pool):
    fresh = _view(ns_pool, NS_PATHS)  # the first run of a fresh worker
    since = time.time()
    r = ns_pool.run(MARK, f"mark({NS_PATHS!r})")
    assert r.outcome == "ok", r
    done = {tuple(x) for x in r.return_value}
    for p in NS_PATHS:  # the marks really were made (user.* xattrs on tmpfs: Linux >= 6.6)
        # /tmp and the work root belong to the namespace's root, not to the child (uid 1000): it
        # may only add files there; its cwd is its own
        want = {(p, "file"), (p, "chmod"), (p, "mtime")} if p == "." else {(p, "file")}
        assert want <= done, done
    _assert_same_state(fresh, _view(ns_pool, NS_PATHS), since)


def test_marks_do_not_reach_the_next_run_without_namespaces(shared_pool):
    fresh = _view(shared_pool, SHARED_PATHS)
    since = time.time()
    r = shared_pool.run(MARK, f"mark({SHARED_PATHS!r})")
    assert r.outcome == "ok", r
    done = {tuple(x) for x in r.return_value}
    assert {(".", "chmod"), (".", "mtime"), ("$TMPDIR", "file")} <= done, done
    _assert_same_state(fresh, _view(shared_pool, SHARED_PATHS), since)


# -- item 4: no run can break the next one --------------------------------------------------------

@pytest.mark.parametrize("where", ["/tmp", "$TMPDIR", "."])
def test_a_1500_level_tree_does_not_break_the_next_run(ns_pool, where):
    fresh = _view(ns_pool, NS_PATHS)
    since = time.time()
    r = ns_pool.run(DEEP, f"deep({where!r}, 1500)", timeout=20.0)
    assert r.outcome == "ok" and r.return_value == 1500, r
    _assert_same_state(fresh, _view(ns_pool, NS_PATHS), since)


@pytest.mark.parametrize("where", ["$TMPDIR", "."])
def test_a_1500_level_tree_without_namespaces(shared_pool, where):
    fresh = _view(shared_pool, SHARED_PATHS)
    since = time.time()
    r = shared_pool.run(DEEP, f"deep({where!r}, 1500)", timeout=30.0)
    assert r.outcome == "ok" and r.return_value == 1500, r
    _assert_same_state(fresh, _view(shared_pool, SHARED_PATHS), since)


@pytest.mark.parametrize("trick", list(TAMPER))
def test_tampering_with_the_work_dirs_does_not_break_the_next_run(ns_pool, trick):
    fresh = _view(ns_pool, NS_PATHS)
    since = time.time()
    r = ns_pool.run(TAMPER[trick], "f()", timeout=10.0)
    if not ns_pool.layers().get("fresh_tmp_per_run") and r.outcome == "policy_violation":
        assert r.error.type == "SandboxUnusable", r.error  # e.g. an immutable entry: worker replaced
    elif r.outcome == "exception":  # the child (uid 1000) may not touch what it does not own
        assert r.error.type == "PermissionError", r.error
    else:
        assert r.outcome == "ok", (r.outcome, r.error)
    after = _view(ns_pool, NS_PATHS)
    _assert_same_state(fresh, after, since)
    w = ns_pool.run("def f():\n    open('/tmp/x', 'wb').write(b'y' * (1 << 20))\n    return 1\n", "f()")
    assert w.outcome == "ok", w  # the space is back too


@pytest.mark.parametrize("trick", list(TAMPER_SHARED))
def test_tampering_without_namespaces(shared_pool, tmp_path, trick):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("keep")
    fresh = _view(shared_pool, SHARED_PATHS)
    since = time.time()
    call = f"f({str(victim)!r})" if "victim" in TAMPER_SHARED[trick] else "f()"
    r = shared_pool.run(TAMPER_SHARED[trick], call)
    assert r.outcome == "ok", (r.outcome, r.error)
    _assert_same_state(fresh, _view(shared_pool, SHARED_PATHS), since)
    assert (victim / "keep.txt").read_text() == "keep"  # links were removed, never followed


MANY_FILES = "import os\ndef f(n):\n    for i in range(n):\n        open(f'f{i}', 'w').close()\n    return n\n"


@pytest.mark.parametrize("pool", ["shared", "entry_by_entry"])
def test_a_run_that_leaves_the_sandbox_unusable_is_told_so_and_its_worker_replaced(pool):
    """Past the reset's bounds the run is a policy_violation, never ok; the next run is ok."""
    kwargs = {"namespaces": False} if pool == "shared" else {}
    with Sandbox(workers=1, **kwargs) as sb:
        sb.worker_config["reset_max_entries"] = 50
        if pool == "entry_by_entry":
            sb.worker_config["fresh_tmp"] = False
        assert sb.run(MANY_FILES, "f(10)").outcome == "ok"
        [worker] = [w for w in list(LIVE_WORKERS) if any(w in s.idle for s in sb._sets.values())]
        root = worker.host_work_root
        assert (root is None) is (pool != "shared")
        r = sb.run(MANY_FILES, "f(200)")
        assert r.outcome == "policy_violation", r
        assert r.error.type == "SandboxUnusable" and "more than 50 entries" in r.error.message, r.error
        assert worker.proc.poll() is not None  # replaced
        nxt = sb.run(MANY_FILES, "f(5)")
        assert nxt.outcome == "ok" and nxt.return_value == 5, nxt
        if root is not None:
            assert _wait_gone([root]) == []


# -- item 6: no work dir left behind --------------------------------------------------------------

def test_closing_a_pool_without_namespaces_leaves_no_work_root():
    with Sandbox(workers=2, namespaces=False) as sb:
        results = sb.run_batch([RunRequest(MANY_FILES, "f(3)")] * 6, workers=2)
        assert all(r.outcome == "ok" for r in results)
        roots = [w.host_work_root for w in list(LIVE_WORKERS)
                 if any(w in s.idle for s in sb._sets.values())]
        assert len(roots) == 2 and all(os.path.isdir(r) for r in roots)
        assert all(cleanup.work_dir_owner(os.path.basename(r))[0] == os.getpid() for r in roots)
    assert _wait_gone(roots) == []


@pytest.mark.parametrize("victim", ["server", "zygote"])
def test_a_crashed_worker_leaves_no_work_root(victim):
    import psutil

    with Sandbox(workers=1, namespaces=False) as sb:
        assert sb.run(MANY_FILES, "f(3)").outcome == "ok"
        [worker] = [w for w in list(LIVE_WORKERS) if any(w in s.idle for s in sb._sets.values())]
        root = worker.host_work_root
        assert root and os.path.isdir(root)
        pid = worker.proc.pid
        if victim == "zygote":
            [pid] = [c.pid for c in psutil.Process(pid).children() if c.name() == "execgym-zygote"]
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        r = sb.run(MANY_FILES, "f(2)")
        assert r.outcome == "ok" and r.return_value == 2, r  # retried on a fresh worker if needed
        assert _wait_gone([root]) == []


_KILLED_CALLER = r'''
import json, sys
from execgym.engine.pool import LIVE_WORKERS, Sandbox
from execgym.engine.request import RunRequest
sb = Sandbox(workers=2, namespaces=False)
sb.run_batch([RunRequest("def f():\n    return 1\n", "f()")] * 2, workers=2)
print(json.dumps([w.host_work_root for w in LIVE_WORKERS]), flush=True)
sb.run_batch([RunRequest("import time\ndef f():\n    open('x', 'w').close()\n    time.sleep(0.3)\n", "f()")] * 200,
             workers=2)
'''


def test_a_killed_caller_leaves_no_work_root():
    """SIGKILL the caller mid-batch: its workers see the pipe close and remove their work roots."""
    env = dict(os.environ, PYTHONPATH=str(Path(execgym.__file__).resolve().parent.parent))
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_CALLER], stdout=subprocess.PIPE, env=env)
    try:
        roots = json.loads(proc.stdout.readline())
        assert len(roots) == 2 and all(os.path.isdir(r) for r in roots), roots
        time.sleep(0.5)  # the batch is under way
    finally:
        proc.kill()
        proc.wait()
    assert _wait_gone(roots) == []


def test_stale_work_roots_of_dead_owners_are_swept(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead_token = cleanup.owner_token(sleeper.pid)
    finally:
        sleeper.kill()
        sleeper.wait()
    dead = tmp_path / f"{cleanup.WORK_DIR_PREFIX}{dead_token}-aaaaaaaaaaaa"
    (dead / "work" / "deep").mkdir(parents=True)
    (dead / "work" / "deep" / "f").write_text("x")
    live = tmp_path / f"{cleanup.WORK_DIR_PREFIX}{cleanup.owner_token()}-bbbbbbbbbbbb"
    live.mkdir()
    old_style = tmp_path / f"{cleanup.WORK_DIR_PREFIX}0123456789ab"
    old_style.mkdir()
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep").write_text("keep")
    planted = tmp_path / f"{cleanup.WORK_DIR_PREFIX}{dead_token}-cccccccccccc"
    planted.symlink_to(target)
    # a pool's first worker sweeps the directory its work roots go to
    with Sandbox(workers=1, namespaces=False) as sb:
        sb.worker_config["work_parent"] = str(tmp_path)
        assert sb.run(MANY_FILES, "f(1)").outcome == "ok"
        assert not dead.exists()
        assert live.is_dir() and old_style.is_dir() and planted.is_symlink()
        assert (target / "keep").read_text() == "keep"
        mine = [p for p in tmp_path.iterdir() if p not in (live, old_style, planted, target)]
        assert len(mine) == 1 and cleanup.work_dir_owner(mine[0].name)[0] == os.getpid()
    assert _wait_gone(mine) == []


# -- cleanup.remove_tree itself ----------------------------------------------------------------

def _deep_tree(top: Path, levels: int, name: str) -> None:
    top.mkdir()
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for i in range(levels):
            os.mkdir(name, dir_fd=fd)
            with open(os.open("f", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w") as fh:
                fh.write("x")
            if i % 200 == 0:
                os.symlink("/etc", "link", dir_fd=fd)
            nxt = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            if i % 300 == 0:
                os.chmod(fd, 0)  # not readable, writable or searchable
            os.close(fd)
            fd = nxt
    finally:
        os.close(fd)


def test_remove_tree_deeper_than_path_max_with_locked_dirs():
    base = Path(tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    try:
        top = base / "t"
        _deep_tree(top, 2000, "n" * 200)  # a path of 400,000 characters
        assert cleanup.remove_tree(top, time_limit_s=120.0) is None
        assert not top.exists() and os.path.isdir("/etc")
    finally:
        cleanup.remove_tree(base, time_limit_s=120.0)


def test_remove_tree_is_bounded_and_never_raises(tmp_path):
    top = tmp_path / "many"
    top.mkdir()
    for i in range(30):
        (top / f"f{i}").write_text("x")
    why = cleanup.remove_tree(top, max_entries=10)
    assert why is not None and "more than 10 entries" in why
    assert cleanup.remove_tree(top, time_limit_s=0.0) is not None
    assert cleanup.remove_tree(top) is None and not top.exists()
    assert cleanup.remove_tree(tmp_path / "missing" / "x") is None
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    assert cleanup.remove_tree(link) is None and not link.exists() and tmp_path.is_dir()
