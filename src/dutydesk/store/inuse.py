"""Who has a database open: every session holds a shared advisory lock on the file, so that a
rebuild (`dutydesk demo`) can see the file is in use and refuse instead of deleting it under an
officer's feet. flock(2) locks are separate from SQLite's own fcntl locks on Linux, so this
never interferes with SQLite's locking; where flock is missing the check is skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dutydesk.errors import SchemaError

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None  # type: ignore[assignment]


class SharedUse:
    """A shared lock on `path` for as long as a session has it open."""

    def __init__(self, path: Path) -> None:
        self._fd: int | None = None
        if fcntl is None or not path.exists():
            return
        self._fd = os.open(path, os.O_RDONLY)
        fcntl.flock(self._fd, fcntl.LOCK_SH)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None


@contextmanager
def sole_use(path: Path) -> Iterator[None]:
    """Hold `path` exclusively while it is replaced; refuse when any session has it open."""
    if fcntl is None or not path.exists():
        yield
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SchemaError("error.in_use", path=str(path)) from None
        yield
    finally:
        os.close(fd)
