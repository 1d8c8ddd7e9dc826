"""Writing a file the desk hands on: never a half-written file under its name."""

from __future__ import annotations

import os
import tempfile
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
    finished, and is removed when it did not. The partial file is made exclusively, under a
    name nobody can guess (a planted `<name>.part` link was followed: another local user could
    make the account overwrite any file it can write), and the rename replaces a link at
    `path` rather than writing through it."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def exclusive_output(path: Path) -> Iterator[Path]:
    """As atomic_output, but the finished file takes the name only if nothing has it — no
    file, no link (a hard link never follows one): an earlier file there is never
    overwritten. FileExistsError otherwise."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        os.link(partial, path)
    finally:
        partial.unlink(missing_ok=True)


# A spreadsheet reads a cell starting with one of these as a formula (OWASP's list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Workbooks are written with every string as a string: no formulas, links or numbers from text.
WORKBOOK_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False,
                    "strings_to_urls": False}


def inert(value: object) -> object:
    """A cell for a CSV file a spreadsheet will open: text that would start a formula gets a
    leading apostrophe (OWASP's rule); numbers the code itself wrote stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
