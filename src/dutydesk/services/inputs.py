"""Text fields at the service boundary: cleaned of control characters and held to their limits.

One table says which limit each field has and whether it may span lines; every service that
stores text from a person goes through `clean_field`, so a form, an import and a scenario file
meet the same rule.
"""

from __future__ import annotations

from dutydesk.domain.text import clean_text, printable
from dutydesk.i18n import t
from dutydesk.services.context import Desk

# field name -> (the TextLimits attribute that caps it, line breaks allowed)
TEXT_FIELDS: dict[str, tuple[str, bool]] = {
    "summary": ("summary", True),
    "address": ("address", False),
    "reporter_name": ("name", False),
    "on_behalf_of": ("name", False),
    "caller": ("name", False),
    "caller_phone": ("name", False),  # a 110 caller's number kept as given (未核验)
    "station": ("name", False),
    "category_110": ("name", False),
    "reason": ("note", True),
    "result": ("note", True),
    "feedback": ("note", True),
    "evidence": ("note", False),
    "note": ("note", True),
    "party_name": ("name", False),
    "mediator": ("name", False),
    "court": ("name", False),
    "participants": ("note", False),
    "notes": ("note", True),
    "response": ("note", True),
    "handover_notes": ("note", True),
}
ECHO_MAX = 40  # at most this much of a bad value is quoted back in a message


def clean_field(desk: Desk, name: str, raw: str, errors: dict[str, str]) -> str:
    """`raw` cleaned; a text over its limit is refused in `errors` (never cut silently)."""
    kind, multiline = TEXT_FIELDS[name]
    text = clean_text(raw, multiline=multiline)
    limit = getattr(desk.settings.limits, kind)
    if len(text) > limit:
        errors[name] = t("field_error.too_long", field=t(f"field.{name}"), max=limit,
                         length=len(text))
    return text


def required_reason(desk: Desk, raw: str, errors: dict[str, str]) -> str:
    """A reason the step cannot go without: cleaned, held to its limit, and not empty."""
    reason = clean_field(desk, "reason", raw, errors)
    if not reason and "reason" not in errors:
        errors["reason"] = t("field_error.required", field=t("field.reason"))
    return reason


def echo(value: object) -> str:
    """A bad value as quoted back to the officer: printable and short."""
    try:
        text = printable(str(value))
    except ValueError:  # an integer too long to print (over 4300 digits)
        return "…"
    return text if len(text) <= ECHO_MAX else text[:ECHO_MAX - 1] + "…"
