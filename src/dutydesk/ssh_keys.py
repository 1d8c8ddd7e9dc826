"""The service account's `authorized_keys`, gitolite's way: each officer's public key on a line
that forces `dutydesk serve --officer LOGIN`, with `restrict,pty` — the client cannot change
the command, so it cannot choose who it is, and gets no shell, forwarding or file access.

Only the lines this module writes (those forcing `serve --officer`) are ours; every other line
is kept as it is. The file is rewritten whole through a temporary file and a rename, under a
lock beside it, so a crash never leaves half a file, two writers never lose each other's keys,
and its mode stays 600.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import os
import re
import shlex
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dutydesk.errors import DutyDeskError

KEY_TYPES = frozenset({
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
})
LOGIN = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")
_OURS = re.compile(r'^command="(?P<command>[^"]*serve --officer (?P<login>[^ "]+)[^"]*)",'
                   r"restrict,pty (?P<key>.+)$")


@dataclass(frozen=True)
class PublicKey:
    kind: str
    blob: str  # base64
    comment: str = ""

    @property
    def material(self) -> str:
        return f"{self.kind} {self.blob}"


def parse_key(text: str) -> PublicKey:
    """One OpenSSH public key line (`ssh-ed25519 AAAA… comment`), checked: a known type, valid
    base64, and a blob that names the same type — or DutyDeskError saying what is wrong."""
    parts = text.strip().split(None, 2)
    if len(parts) < 2 or "\n" in text.strip():
        raise DutyDeskError("ssh.bad_key", detail="ssh-ed25519 AAAA… comment")
    kind, blob = parts[0], parts[1]
    if kind not in KEY_TYPES:
        raise DutyDeskError("ssh.bad_key", detail=kind[:40])
    try:
        raw = base64.b64decode(blob, validate=True)
        (length,) = struct.unpack(">I", raw[:4])
        named = raw[4:4 + length].decode("ascii")
    except (binascii.Error, struct.error, UnicodeDecodeError):
        raise DutyDeskError("ssh.bad_key", detail="base64") from None
    if named != kind:
        raise DutyDeskError("ssh.bad_key", detail=f"{kind} ≠ {named[:40]}")
    comment = parts[2].strip() if len(parts) > 2 else ""
    return PublicKey(kind, blob, re.sub(r"[^\x20-\x7e]", "", comment)[:100])


@dataclass(frozen=True)
class Entry:
    login: str
    key: PublicKey


def read_entries(path: Path) -> tuple[list[str], list[Entry]]:
    """The file's lines, and of them the officers' entries."""
    lines = path.read_text("utf-8").splitlines() if path.exists() else []
    entries = []
    for line in lines:
        match = _OURS.match(line)
        if match:
            try:
                entries.append(Entry(match["login"], parse_key(match["key"])))
            except DutyDeskError:
                continue  # a damaged line of ours: kept, never matched
    return lines, entries


_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def entry_line(login: str, key: PublicKey, program: str, db: Path | None) -> str:
    """The officer's line. Every value written into it is checked — a line break in the
    program's or the database's path would start a second line: another key with no forced
    command, a shell through sshd — and the whole line must read back as this one entry."""
    command = f"{shlex.quote(program)} serve --officer {login}"
    if db is not None:
        command += f" --db {shlex.quote(str(db))}"
    if '"' in command or _CONTROL.search(command):
        raise DutyDeskError("ssh.bad_path", path=_CONTROL.sub("?", command)[:200])
    comment = f" {key.comment}" if key.comment else ""
    line = f'command="{command}",restrict,pty {key.material}{comment}'
    read_back = _OURS.match(line)
    if _CONTROL.search(line) or read_back is None or read_back["login"] != login \
            or parse_key(read_back["key"]).material != key.material:
        raise DutyDeskError("ssh.bad_path", path=_CONTROL.sub("?", line)[:200])
    return line


def add_key(path: Path, login: str, key: PublicKey, program: str, db: Path | None) -> bool:
    """Give `key` to `login`: refused if another officer holds it already; the same key again
    for the same officer changes nothing (False)."""
    if not LOGIN.fullmatch(login):
        raise DutyDeskError("ssh.bad_login", login=login[:40])
    line = entry_line(login, key, program, db)  # checked before the file is touched
    with _locked(path) as target:
        lines, entries = read_entries(target)
        for entry in entries:
            if entry.key.material == key.material:
                if entry.login != login:
                    raise DutyDeskError("ssh.key_taken", login=entry.login)
                return False
        _write(target, [*lines, line])
    return True


def remove_keys(path: Path, login: str) -> int:
    """Take away every key of `login`; returns how many lines went."""
    with _locked(path) as target:
        lines, _ = read_entries(target)
        kept = [line for line in lines
                if not ((m := _OURS.match(line)) and m["login"] == login)]
        if len(kept) != len(lines):
            _write(target, kept)
    return len(lines) - len(kept)


@contextmanager
def _locked(path: Path) -> Iterator[Path]:
    """The file to change, held against every other writer for the read-modify-rename (two
    `add-key` at once would each write the file without the other's key). A symlinked
    `authorized_keys` is followed on purpose: the file sshd reads is the one changed."""
    target = Path(os.path.realpath(path))
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = os.open(target.with_name(target.name + ".lock"),
                   os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield target
    finally:
        os.close(lock)  # closing releases the lock


def _write(path: Path, lines: list[str]) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".authorized_keys.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write("\n".join(lines) + ("\n" if lines else ""))
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
