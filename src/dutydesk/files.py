"""Writing a file the desk hands on: never a half-written file under its name."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

EXPORTS_ENV = "DUTYDESK_EXPORTS"  # where exports go by default (else ~/dutydesk-exports)


def export_folder() -> Path:
    return Path(os.environ.get(EXPORTS_ENV) or Path.home() / "dutydesk-exports").expanduser()


def export_path(typed: str | Path) -> Path:
    """Where an export named `typed` is written, in full: a bare name (or relative path)
    goes into the exports folder — made on first use — never the folder the desk happened
    to be started in; an absolute or ~ path is kept."""
    path = Path(typed).expanduser()
    if not path.is_absolute():
        folder = export_folder()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / path
    return path.absolute()


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a partial file beside `path` to write; it takes the name only when the writing
    finished, and is removed when it did not."""
    partial = path.with_name(path.name + ".part")
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
