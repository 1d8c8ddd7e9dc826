"""The message catalogue: every string a user reads comes from here (zh_CN default, en)."""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from importlib import resources
from typing import Any
from dutydesk.domain.deadlines import LOCAL_TZ

LANGUAGES = ("zh_CN", "en")
_language = "zh_CN"


def set_language(language: str) -> None:
    global _language
    if language not in LANGUAGES:
        raise ValueError(language)
    _language = language


def language() -> str:
    return _language


@cache
def catalogue(language: str) -> dict[str, str]:
    raw = tomllib.loads(resources.files(__package__).joinpath(f"{language}.toml").read_text("utf-8"))
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(name, value)
            else:
                flat[name] = str(value)

    walk("", raw)
    return flat


def t(key: str, **params: Any) -> str:
    """The message for `key` in the current language; an unknown key shows itself, visibly."""
    template = catalogue(_language).get(key)
    if template is None:
        template = catalogue("zh_CN").get(key, f"⟨{key}⟩")
    return template.format(**params) if params else template


def step_label(action: str) -> str:
    """An event's step in words: the case table's, else the 110, the dispute or the revisit
    table's, or the handover's."""
    for key in (f"action.{action}", f"police.action.{action}", f"dispute.action.{action}",
                f"revisit.action.{action}", f"duty.action.{action}"):
        if key in catalogue("zh_CN"):
            return t(key)
    return t(f"action.{action}")


def local_time(moment: dt.datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    """A UTC moment shown in Asia/Shanghai."""
    if moment is None:
        return "—"
    return moment.astimezone(LOCAL_TZ).strftime(fmt)
