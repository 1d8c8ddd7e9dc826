"""Personal data rules: phone validation (stored E.164) and masking for lists and exports."""

from __future__ import annotations


class InvalidPhone(ValueError):
    pass


def normalise_phone(raw: str) -> str:
    """A mobile or fixed-line number in E.164, or InvalidPhone. Without a country code it is
    read as a Chinese number; with one (+852, +1 …) it is taken as given."""
    import phonenumbers  # imported on first use: start-up stays quick

    text = raw.strip()
    if not text:
        raise InvalidPhone(raw)
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(raw) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(raw)
    kind = phonenumbers.number_type(number)
    allowed = {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
    if kind not in allowed:
        raise InvalidPhone(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national_digits(e164: str) -> str:
    return e164[3:] if e164.startswith("+86") else e164.lstrip("+")


def mask_phone(e164: str, keep_head: int = 3, keep_tail: int = 4) -> str:
    """138****8000: the head and tail kept, the middle masked."""
    digits = national_digits(e164)
    if len(digits) <= keep_head + keep_tail:
        return "*" * len(digits)
    return digits[:keep_head] + "*" * (len(digits) - keep_head - keep_tail) + digits[-keep_tail:]
