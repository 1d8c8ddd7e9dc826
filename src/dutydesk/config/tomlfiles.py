"""Reading and checking TOML files (configuration, seed stories, scenarios). A bad file is
refused with file, entry, key and what is wrong; nothing is written until every file has
passed."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dutydesk.errors import SeedError

Spec = dict[str, type | tuple[type, ...]]


@dataclass(frozen=True)
class Entry:
    file: str
    where: str  # e.g. "node[3]"
    data: dict[str, Any]

    def fail(self, key: str | None, problem: str, **params: Any) -> SeedError:
        where = f"{self.where}.{key}" if key else self.where
        return seed_error(self.file, where, problem, **params)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def known(self, key: str, values: set[str]) -> None:
        """The key's value must name something defined (a node, a unit, an officer …)."""
        value = self.get(key)
        if not isinstance(value, str) or value not in values:
            raise self.fail(key, "seed.unknown_ref",
                            value=value if isinstance(value, str) else repr(value)[:40])

    def one_of(self, key: str, choices: Iterable[str]) -> str:
        """The key's value, which must be one of `choices` (named, in order, when it is not)."""
        choices = list(choices)
        value = self.get(key)
        if not isinstance(value, str) or value not in choices:
            raise self.fail(key, "seed.bad_choice",
                            value=value if isinstance(value, str) else repr(value)[:40],
                            choices=", ".join(choices))
        return value

    def unique(self, key: str, seen: set[str]) -> None:
        """The key's value must not name something already defined in the file."""
        value = self.get(key)
        if isinstance(value, str) and value in seen:
            raise self.fail(key, "seed.duplicate", value=value)

    def names(self, key: str) -> list[str]:
        """A list of distinct, non-blank names (contacts, aliases)."""
        names = self.get(key, [])
        if not all(isinstance(n, str) and n.strip() for n in names) \
                or len(set(names)) < len(names):
            raise self.fail(key, "seed.bad_names")
        return names


def seed_error(file: str, where: str, problem: str, **params: Any) -> SeedError:
    from dutydesk.i18n import t

    place = "" if where == "-" else t("error.seed_where", where=where)
    return SeedError("error.seed", file=file, where=place, problem=t(problem, **params))


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise seed_error(path.name, "-", "seed.missing_file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise seed_error(path.name, "-", "seed.bad_toml", detail=str(exc)) from None


def entries(path: Path, table: str, required: Spec, optional: Spec | None = None,
            *, allow_empty: bool = False) -> list[Entry]:
    """The `[[table]]` entries of a file, each checked for unknown, missing and mistyped keys."""
    optional = optional or {}
    document = read_toml(path)
    unknown_tables = set(document) - {table}
    if unknown_tables:
        raise seed_error(path.name, sorted(unknown_tables)[0], "seed.unknown_key")
    items = document.get(table, [])
    if not isinstance(items, list) or (not items and not allow_empty):
        raise seed_error(path.name, table, "seed.need_entries")
    result = []
    for index, item in enumerate(items, start=1):
        entry = Entry(path.name, f"{table}[{index}]", item)
        check_keys(entry, required, optional)
        result.append(entry)
    return result


def check_keys(entry: Entry, required: Spec, optional: Spec) -> None:
    for key in entry.data:
        if key not in required and key not in optional:
            raise entry.fail(key, "seed.unknown_key")
    for key in required:
        if key not in entry.data:
            raise entry.fail(key, "seed.missing_key")
    for key, value in entry.data.items():
        expected = required.get(key) or optional[key]
        # TOML booleans are ints to Python; keep them apart from numbers.
        if not isinstance(value, expected) or (isinstance(value, bool) and bool not in
                                                (expected if isinstance(expected, tuple)
                                                 else (expected,))):
            raise entry.fail(key, "seed.wrong_type", value=repr(value))
