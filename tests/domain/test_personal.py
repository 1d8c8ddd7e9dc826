from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dutydesk.domain.personal import InvalidPhone, mask_phone, normalise_phone
from dutydesk.domain.text import pinyin_initials


@pytest.mark.parametrize("raw,e164", [
    ("13800138000", "+8613800138000"),
    ("138 0013 8000", "+8613800138000"),
    ("+86 138-0013-8000", "+8613800138000"),
    ("0858-8221234", "+868588221234"),
    ("+852 6123 4567", "+85261234567"),  # a Hong Kong mobile
    ("+1 202 555 0100", "+12025550100"),
])
def test_valid_numbers_are_stored_in_e164(raw, e164):
    assert normalise_phone(raw) == e164


@pytest.mark.parametrize("raw", ["", "12345", "abc", "+852 1234", "1380013800"])
def test_invalid_numbers_are_refused(raw):
    with pytest.raises(InvalidPhone):
        normalise_phone(raw)


def test_masking_keeps_three_and_four():
    assert mask_phone("+8613800138000") == "138****8000"


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_masking_never_reveals_the_middle(number):
    masked = mask_phone("+86" + number)
    assert len(masked) == len(number)
    assert masked[:3] == number[:3] and masked[-4:] == number[-4:]
    assert set(masked[3:-4]) == {"*"}


def test_pinyin_initials():
    assert pinyin_initials("黄土坡街道").split()[0] == "htpjd"  # the usual reading first
    assert pinyin_initials("abc") == ""


@given(st.from_regex(r"1[0-9]{10}", fullmatch=True))
def test_the_mobile_block_shortcut_agrees_with_the_phone_library(number):
    """Mainland mobiles are judged by their 号段 once; the answer must be the library's own
    for every number in the block."""
    from dutydesk.domain.personal import _parse_phone

    try:
        expected = _parse_phone(number)
    except InvalidPhone:
        expected = None
    try:
        got = normalise_phone(number)
    except InvalidPhone:
        got = None
    assert got == expected


def test_pinyin_initials_cover_every_reading_of_a_polyphone():
    spelled = pinyin_initials("路边窨井盖缺失").split()
    assert any("yjg" in s for s in spelled) and any("xjg" in s for s in spelled)
    long = pinyin_initials("长" * 200)  # bounded: one usual spelling and one per other reading
    assert len(long.split()) <= 1 + 2 * 200
