"""Relative times in seed and scenario files.

    "D-2 06:37"  two days before the base day, at 06:37 local time
    "D 08:00"    the base day at 08:00
    "-90m", "-3h", "-1d"   that long before the base moment
"""

from __future__ import annotations

import datetime as dt
import re
from dutydesk.domain.deadlines import LOCAL_TZ, local_date

_DAY_FORM = re.compile(r"^D(?:([+-])(\d{1,4}))? ([01]\d|2[0-3]):([0-5]\d)$")
_OFFSET_FORM = re.compile(r"^-(\d{1,6})([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class BadTime(ValueError):
    pass


def parse_when(text: str, base: dt.datetime) -> dt.datetime:
    """The UTC moment `text` names, relative to `base` (an aware datetime)."""
    text = text.strip()
    if match := _DAY_FORM.match(text):
        sign, days, hour, minute = match.groups()
        offset = int(days or 0) * (-1 if sign == "-" else 1)
        day = local_date(base) + dt.timedelta(days=offset)
        local = dt.datetime.combine(day, dt.time(int(hour), int(minute)), LOCAL_TZ)
        return local.astimezone(dt.timezone.utc)
    if match := _OFFSET_FORM.match(text):
        amount, unit = match.groups()
        return (base - dt.timedelta(**{_UNITS[unit]: int(amount)})).astimezone(dt.timezone.utc)
    raise BadTime(text)
