"""Text rules for search: pinyin initials, so that `htp` finds 黄土坡."""

from __future__ import annotations

import re

_HAN = re.compile(r"[\u4e00-\u9fff]+")


def pinyin_initials(text: str) -> str:
    """Initials of each Chinese run in `text`, space-separated: 黄土坡街道 -> "htpjd"."""
    runs = _HAN.findall(text)
    if not runs:
        return ""
    from pypinyin import Style, lazy_pinyin  # heavy: loaded only when writing a case

    return " ".join(
        "".join(syllable[:1] for syllable in lazy_pinyin(run, style=Style.FIRST_LETTER))
        for run in runs
    ).lower()


def normalise_query(query: str) -> str:
    return " ".join(query.split()).lower()
