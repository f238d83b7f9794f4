"""Removing what runs leave behind: a bounded, iterative tree removal and the work-dir names.

``remove_tree`` never recurses (a tree of any depth is fine), never follows a symbolic link, walks
with directory file descriptors (no path grows with the depth, so ``PATH_MAX`` never matters) and
checks every ``..`` it climbs against the directory it came down from, so a tree rearranged while
it works cannot lead it outside. It is bounded by an entry count and a wall-clock budget and never
raises: it returns ``None`` when the path is gone, else one line saying why it is not.

Work directories on a shared temporary directory (only used where a worker has no private
``/tmp``) are named ``execgym-work-<pid>-<start>-<random>`` after the process that owns them: the
caller of the pool, by pid and start time (clock ticks since boot, so a reused pid is not taken
for the owner). ``sweep_stale_work_dirs`` removes those whose owner is gone.
"""

from __future__ import annotations

import errno
import os
import stat
import time

WORK_DIR_PREFIX = "execgym-work-"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class _Incomplete(Exception):
    """The removal stopped (bound reached, tree changed, entry not removable)."""


def remove_tree(path: str | bytes, *, max_entries: int = 100_000, time_limit_s: float = 5.0
                ) -> str | None:
    """Remove ``path`` (a directory tree, a file or a link: never what a link points to).

    Returns ``None`` when nothing is left at ``path``, else why the removal stopped: more than
    ``max_entries`` entries visited, ``time_limit_s`` spent, an entry that cannot be removed, or
    a tree that changed under the walk. Never raises. The parent of ``path`` is trusted.
    """
    path = os.fsdecode(path)
    parent, name = os.path.split(os.path.abspath(path))
    try:
        parent_fd = os.open(parent or "/", _DIR_FLAGS & ~os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot open {parent}: {exc.strerror}"
    try:
        _remove_at(parent_fd, name, max_entries, time.monotonic() + time_limit_s)
        return None
    except _Incomplete as exc:
        return f"{path} not removed: {exc}"
    except Exception as exc:  # MemoryError, an unexpected OSError: reported, never raised
        return f"{path} not removed: {type(exc).__name__}: {exc}"
    finally:
        os.close(parent_fd)


def _identity(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def _open_dir(dir_fd: int, name: str) -> int:
    """Open the directory ``name`` (never a link), making it searchable first if it is not."""
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except PermissionError:
        pass
    # chmod through an O_PATH descriptor: the inode just opened, whatever replaces the name
    path_fd = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        os.chmod(f"/proc/self/fd/{path_fd}", 0o700)
        return os.open(f"/proc/self/fd/{path_fd}", _DIR_FLAGS & ~os.O_NOFOLLOW)
    except OSError as exc:
        raise _Incomplete(f"directory {name!r} cannot be opened: {exc.strerror}") from None
    finally:
        os.close(path_fd)


def _unlink(dir_fd: int, name: str) -> bool:
    """Unlink a non-directory; False when ``name`` turned out to be a directory."""
    try:
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        return False
    except PermissionError:  # the directory is not writable (or the entry is immutable)
        os.fchmod(dir_fd, 0o700)
        try:
            os.unlink(name, dir_fd=dir_fd)
        except OSError as exc:
            raise _Incomplete(f"entry {name!r} cannot be removed: {exc.strerror}") from None
    return True


def _rmdir(dir_fd: int, name: str) -> bool:
    """Remove the (emptied) directory ``name``; False when something reappeared in it."""
    for attempt in (0, 1):
        try:
            os.rmdir(name, dir_fd=dir_fd)
            return True
        except FileNotFoundError:
            return True
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):  # refilled meanwhile
                return False
            if attempt == 0 and isinstance(exc, PermissionError):
                os.fchmod(dir_fd, 0o700)
                continue
            raise _Incomplete(f"directory {name!r} cannot be removed: {exc.strerror}") from None
    return False


def _remove_at(top_fd: int, top: str, max_entries: int, deadline: float) -> None:
    """Depth-first removal of ``top`` (in ``top_fd``) with an explicit stack of names."""
    try:
        st = os.stat(top, dir_fd=top_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode) and _unlink(top_fd, top):
        return
    fd = _open_dir(top_fd, top)
    names = [top]                 # the path from ``top`` down to the directory ``fd``
    parents = [_identity(top_fd)]  # (st_dev, st_ino) of the parent of each of ``names``
    visited = 0
    try:
        while True:
            sub = None
            with os.scandir(fd) as entries:
                for entry in entries:
                    visited += 1
                    if visited > max_entries:
                        raise _Incomplete(f"more than {max_entries} entries")
                    if time.monotonic() > deadline:
                        raise _Incomplete("time limit reached")
                    try:
                        is_dir = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        is_dir = False
                    if is_dir or not _unlink(fd, entry.name):
                        sub = entry.name
                        break
            if sub is not None:  # go down
                child = _open_dir(fd, sub)
                parents.append(_identity(fd))
                names.append(sub)
                os.close(fd)
                fd = child
                continue
            # ``fd`` is empty: climb to its parent and remove it there
            name, parent_id = names.pop(), parents.pop()
            if not names:
                os.close(fd)
                fd = -1
                if _rmdir(top_fd, top):
                    return
                fd = _open_dir(top_fd, top)  # refilled: start over (bounded by max_entries)
                names, parents = [top], [parent_id]
                continue
            up = os.open("..", _DIR_FLAGS, dir_fd=fd)
            if _identity(up) != parent_id:
                os.close(up)
                raise _Incomplete("the tree was moved while it was being removed")
            os.close(fd)
            fd = up
            _rmdir(fd, name)  # if refilled, the next scan of ``fd`` finds it again
    finally:
        if fd >= 0:
            os.close(fd)


# -- work directories on a shared temporary directory ------------------------------------------

def process_start_ticks(pid: int) -> int | None:
    """Start time of process ``pid`` in clock ticks since boot; ``None`` when there is none."""
    try:
        with open(f"/proc/{int(pid)}/stat", "rb") as fh:
            data = fh.read()
        return int(data[data.rindex(b")") + 2:].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def owner_token(pid: int | None = None) -> str:
    """``<pid>-<start ticks>`` of ``pid`` (default: this process), as embedded in work-dir names."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}-{process_start_ticks(pid) or 0}"


def work_dir_owner(name: str) -> tuple[int, int] | None:
    """The (pid, start ticks) a work-dir name records, or ``None`` when it is not one of ours."""
    if not name.startswith(WORK_DIR_PREFIX):
        return None
    parts = name[len(WORK_DIR_PREFIX):].split("-")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    return int(parts[0]), int(parts[1])


def owner_alive(pid: int, ticks: int) -> bool:
    """Whether the process that owns a work dir (pid and start ticks) still runs."""
    return process_start_ticks(pid) == ticks


def sweep_stale_work_dirs(parent: str) -> list[str]:
    """Remove every ``execgym-work-<pid>-<start>-*`` directory in ``parent`` whose owner is gone.

    Returns the paths removed. Directories of live owners, names of another form and entries that
    are not real directories (a link planted in a shared ``/tmp``) are left alone.
    """
    removed: list[str] = []
    try:
        names = os.listdir(parent)
    except OSError:
        return removed
    for name in names:
        owner = work_dir_owner(name)
        if owner is None or owner_alive(*owner):
            continue
        path = os.path.join(parent, name)
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                continue
        except OSError:
            continue
        if remove_tree(path, max_entries=1_000_000, time_limit_s=30.0) is None:
            removed.append(path)
    return removed
