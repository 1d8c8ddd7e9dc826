"""Personal data rules: phone validation (stored E.164) and masking for lists and exports."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


class InvalidPhone(ValueError):
    pass


# An 11-digit mainland mobile number: which numbers are valid depends only on its 号段 (the
# first seven digits), so a block is checked once and remembered. An import of 100k calls
# would otherwise spend most of its time in the phone library.
_MOBILE = re.compile(r"1[0-9]{10}")


def normalise_phone(raw: str) -> str:
    """A mobile or fixed-line number in E.164, or InvalidPhone. Without a country code it is
    read as a Chinese number; with one (+852, +1 …) it is taken as given."""
    text = raw.strip()
    if not text:
        raise InvalidPhone(raw)
    if _MOBILE.fullmatch(text):
        if _mobile_block_valid(text[:7]):
            return "+86" + text
        raise InvalidPhone(raw)
    return _parse_phone(text)


@functools.lru_cache(maxsize=8192)
def _mobile_block_valid(block: str) -> bool:
    try:
        _parse_phone(block + "0000")
    except InvalidPhone:
        return False
    return True


def _parse_phone(text: str) -> str:
    import phonenumbers  # imported on first use: start-up stays quick

    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(text) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(text)
    kind = phonenumbers.number_type(number)
    allowed = {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
    if kind not in allowed:
        raise InvalidPhone(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_verified(stored: str) -> bool:
    """A stored phone is verified when it is E.164; anything else (a masked 139****1111, a
    local number without its area code, two numbers in one cell, from a 110 file) was kept as
    given, 未核验."""
    return stored.startswith("+")


@dataclass(frozen=True)
class Masks:
    """How many characters lists and exports keep at each end (`[privacy]` in settings):
    138****8000 and 5****************2 by default."""

    phone_head: int = 3
    phone_tail: int = 4
    id_head: int = 1
    id_tail: int = 2


def national_digits(e164: str) -> str:
    """The number as dialled at home: a Chinese fixed line keeps its trunk 0 (0858…), a mobile
    starts with its 1; a foreign number is its digits with the country code."""
    if e164.startswith("+86"):
        national = e164[3:]
        return national if national.startswith("1") else "0" + national
    return e164.lstrip("+")


def mask_phone(e164: str, masks: Masks = Masks()) -> str:
    """138****8000: the head and tail kept, the middle masked. A number kept as given shows
    only its last digits, its other characters as they are."""
    keep_head, keep_tail = masks.phone_head, masks.phone_tail
    if not is_verified(e164):
        shown = len([c for c in e164 if c.isdigit()]) - keep_tail
        masked = []
        for char in e164:
            if char.isdigit():
                masked.append("*" if shown > 0 else char)
                shown -= 1
            else:
                masked.append(char)
        return "".join(masked)
    digits = national_digits(e164)
    if len(digits) <= keep_head + keep_tail:
        return "*" * len(digits)
    return digits[:keep_head] + "*" * (len(digits) - keep_head - keep_tail) + digits[-keep_tail:]


def mask_id_number(number: str, masks: Masks = Masks()) -> str:
    """A resident ID number for lists: the configured characters at each end kept, the rest
    masked (5****************2)."""
    head, tail = masks.id_head, masks.id_tail
    if len(number) <= head + tail:
        return "*" * len(number)
    return number[:head] + "*" * (len(number) - head - tail) + number[len(number) - tail:]


_NUMBER_IN_TEXT = re.compile(
    r"(?<![0-9])(?:(?P<id>[0-9]{17}[0-9Xx])|(?P<mobile>1[3-9][0-9]{9})"
    r"|(?P<fixed>0[0-9]{2,3}[- ]?[0-9]{7,8}))(?![0-9])")


def mask_numbers_in(text: str, masks: Masks = Masks()) -> str:
    """Free text as exports and calendars show it: an ID number, a mobile or a fixed-line
    number written into it (请回电 13908579999) masked by the same rule as the fields."""
    def masked(match: re.Match) -> str:
        found = match.group(0)
        if match["id"]:
            return mask_id_number(found, masks)
        head, tail = masks.phone_head, masks.phone_tail
        if len(found) <= head + tail:
            return "*" * len(found)
        return found[:head] + "*" * (len(found) - head - tail) + found[len(found) - tail:]

    return _NUMBER_IN_TEXT.sub(masked, text)
