"""The relative-time parser of seed and scenario files."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dutydesk.scenario.when import LOCAL_TZ, BadTime, parse_when

BASE = dt.datetime(2026, 11, 23, 10, 0, tzinfo=LOCAL_TZ)


def test_day_and_time_forms():
    assert parse_when("D-2 06:37", BASE) == dt.datetime(2026, 11, 21, 6, 37, tzinfo=LOCAL_TZ)
    assert parse_when("D 08:00", BASE) == dt.datetime(2026, 11, 23, 8, 0, tzinfo=LOCAL_TZ)
    assert parse_when("D+3 17:30", BASE) == dt.datetime(2026, 11, 26, 17, 30, tzinfo=LOCAL_TZ)


def test_offset_forms():
    assert parse_when("-90m", BASE) == BASE - dt.timedelta(minutes=90)
    assert parse_when("-3h", BASE) == BASE - dt.timedelta(hours=3)
    assert parse_when("-1d", BASE) == BASE - dt.timedelta(days=1)


@pytest.mark.parametrize("text", ["", "D-2", "D-2 24:00", "D-2 6:37", "+3h", "-3x", "yesterday",
                                  "D--1 08:00", "-h"])
def test_malformed_times_are_refused(text):
    with pytest.raises(BadTime):
        parse_when(text, BASE)


@given(days=st.integers(-9999, 9999), hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_day_form_round_trips(days, hour, minute):
    sign = "-" if days < 0 else "+"
    text = f"D{sign}{abs(days)} {hour:02d}:{minute:02d}"
    moment = parse_when(text, BASE).astimezone(LOCAL_TZ)
    assert (moment.date() - BASE.date()).days == days
    assert (moment.hour, moment.minute) == (hour, minute)


@given(st.text(max_size=20))
def test_any_text_either_parses_or_is_refused_cleanly(text):
    try:
        result = parse_when(text, BASE)
    except BadTime:
        return
    assert result.tzinfo is not None
