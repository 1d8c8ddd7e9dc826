"""Errors a user can cause; each carries a catalogue key so it is shown in the user's language."""

from __future__ import annotations

from typing import Any


class DutyDeskError(Exception):
    """A refusal with a translatable message (never a traceback for the user)."""

    key = "error.generic"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(self.key)

    def message(self) -> str:
        """The sentence, with every value it quotes on one line: a login or a path holding a
        line break would otherwise forge lines of its own (in a cron log, say)."""
        from dutydesk.domain.text import printable
        from dutydesk.i18n import t

        return t(self.key, **{name: printable(value) if isinstance(value, str) else value
                              for name, value in self.params.items()})

    def __str__(self) -> str:
        return self.message()


class PermissionDenied(DutyDeskError):
    key = "error.permission"


class InvalidTransition(DutyDeskError):
    key = "error.transition"


class StaleWrite(DutyDeskError):
    key = "error.stale"


class NotFound(DutyDeskError):
    key = "error.not_found"


class ValidationFailed(DutyDeskError):
    """Bad input: `fields` maps a field name to its translated message."""

    key = "error.validation"

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__(self.key, detail="; ".join(fields.values()))


class SchemaError(DutyDeskError):
    key = "error.schema"


class SeedError(DutyDeskError):
    key = "error.seed"


class StorageError(DutyDeskError):
    """The database could not be read or written (read-only, locked, full, damaged…)."""

    key = "error.storage.other"
