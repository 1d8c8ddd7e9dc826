"""Text from people: cleaning it at the service boundary, showing it safely, and search keys.

A summary, a name or an import cell may hold terminal control sequences (an ESC that clears the
screen, an OSC that sets the title or writes the clipboard), bidirectional overrides, or
megabytes. Services store text only after `clean_text`; screens draw stored text only through
`printable`, so that rows written before this rule (or by another program) still can never
reach a terminal as escape sequences.
"""

from __future__ import annotations

import functools

import re
from dataclasses import dataclass

_HAN = re.compile(r"[\u4e00-\u9fff]+")

# C0 controls but newline and tab, DEL, C1 controls, and the bidirectional overrides/isolates
# that reorder what an officer reads.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# Anything either function changes: one search decides whether a text needs any work at all.
_UNSAFE = re.compile(f"{_CONTROLS.pattern}|{_LINE_BREAKS.pattern}|\t")


@dataclass(frozen=True)
class TextLimits:
    """The longest text each kind of field accepts, in characters (seed/settings.toml)."""

    summary: int = 500
    address: int = 200
    name: int = 50
    note: int = 1000  # reasons, results, evidence references, notes
    search: int = 100

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} = {value!r}")


def clean_text(raw: str, *, multiline: bool = False) -> str:
    """`raw` without control characters; tabs become spaces and, unless the field allows
    several lines, so do line breaks. Leading and trailing blanks go."""
    text = raw.replace("\t", " ").replace("\r\n", "\n")
    if not multiline:
        text = _LINE_BREAKS.sub(" ", text)
    return _CONTROLS.sub("", text).strip()


def strip_controls(text: str) -> str:
    """`text` without control characters, line breaks and tabs as spaces; unlike `clean_text`
    it keeps leading and trailing blanks (for a field being typed into)."""
    if not _UNSAFE.search(text):
        return text
    return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", text.replace("\t", " ")))


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` safe to draw on a terminal: controls shown as visible pictures (␛, ␀ …) instead
    of being sent to the terminal; line breaks kept, or shown as ⏎ where one line is drawn."""
    if not _UNSAFE.search(text):
        return text  # the common case: no copy
    text = text.replace("\t", " ")
    text = _LINE_BREAKS.sub("\n" if multiline else "⏎", text)
    return _CONTROLS.sub(_picture, text)


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # U+2400 CONTROL PICTURES: ␀ … ␟
    return "␡" if code == 0x7F else "�"


# A run with more readings than this is spelled by its usual reading plus each other reading
# of one character at a time, so a long text of polyphones cannot multiply without bound.
SPELLINGS_MAX = 16


def pinyin_initials(text: str) -> str:
    """Initials of each Chinese run in `text`, space-separated: 黄土坡街道 -> "htpjd". A run
    with polyphones is spelled every way it may be read, its usual reading (by the phrase)
    first: 窨井盖 -> "xjg yjg", so that both find it."""
    runs = _HAN.findall(text)
    if not runs:
        return ""
    from pypinyin import Style, lazy_pinyin  # heavy: loaded only when writing a case

    spelled: list[str] = []
    for run in runs:
        usual = [s[:1].lower() for s in lazy_pinyin(run, style=Style.FIRST_LETTER)]
        if len(usual) != len(run):  # not one syllable a character: the usual reading alone
            spelled.append("".join(usual))
            continue
        readings = [list(dict.fromkeys((first, *_readings(char))))
                    for first, char in zip(usual, run)]
        spelled.extend(_spellings(readings))
    return " ".join(spelled)


@functools.lru_cache(maxsize=20_000)
def _readings(char: str) -> tuple[str, ...]:
    """The initials of every reading of one character (cached: a text repeats its characters
    far more than its phrases)."""
    from pypinyin import Style, pinyin

    return tuple(dict.fromkeys(r[:1].lower() for r in pinyin(
        char, style=Style.FIRST_LETTER, heteronym=True)[0] if r))


def _spellings(readings: list[list[str]]) -> list[str]:
    usual = [options[0] if options else "" for options in readings]
    count = 1
    for options in readings:
        count *= max(1, len(options))
    if count <= SPELLINGS_MAX:
        import itertools

        return ["".join(combo) for combo in itertools.product(*(o or [""] for o in readings))]
    variants = ["".join(usual)]
    for index, options in enumerate(readings):
        for other in options[1:]:
            variants.append("".join(usual[:index] + [other] + usual[index + 1:]))
    return variants


def normalise_query(query: str) -> str:
    return " ".join(clean_text(query).split()).lower()


def search_text(summary: str, address: str, reporter_name: str, phone: str) -> str:
    """What search looks in, without the place: the texts, their pinyin initials (every
    reading), and the phone's last four digits (never the whole number)."""
    from dutydesk.domain.personal import national_digits

    text = " ".join(p for p in (summary, address, reporter_name) if p)
    initials = pinyin_initials(" ".join([reporter_name, address, summary]))
    tail = national_digits(phone)[-4:] if phone else ""
    return " ".join(p for p in (text, initials, tail) if p).lower()


def placed_search_text(search_base: str, place_name: str) -> str:
    """A case's whole search text: its own, and its place's name and initials."""
    return f"{search_base} {place_name.lower()} {pinyin_initials(place_name)}"


_NOT_WORDS = re.compile(r"[\W_]+")
_CHANNEL_PREFIX = re.compile(r"^[^：:]{1,6}[：:]")  # 110转办：, 码上就办：, 视频告警：


def likeness(a: str, b: str) -> float:
    """How alike two reports read, 0…1: the share of two-character words they have in common
    (Dice), which suits Chinese better than a character-by-character match — 装修噪音 and
    广场舞音响 are nothing alike letter by letter, 噪音 and 噪音扰民 are. A channel's prefix
    (110转办：) and punctuation are not words of the report."""
    pairs_a, pairs_b = _pairs(a), _pairs(b)
    if not pairs_a or not pairs_b:
        return 0.0
    return 2 * len(pairs_a & pairs_b) / (len(pairs_a) + len(pairs_b))


def _pairs(text: str) -> set[str]:
    words = _NOT_WORDS.split(_CHANNEL_PREFIX.sub("", text.strip()).lower())
    return {word[i:i + 2] for word in words for i in range(len(word) - 1)}
