"""The catalogues: the same keys in both languages, and every key the code names exists."""

from __future__ import annotations

import re
from pathlib import Path

from dutydesk.domain.deadlines import DeadlineState
from dutydesk.domain.lifecycle import Action, CaseState, Channel, Level, Role
from dutydesk.i18n import catalogue

SRC = Path(__file__).resolve().parents[1] / "src" / "dutydesk"
NOT_KEYS = {"app.help", "app.quit", "app.focus_next", "app.focus_previous",
            "app.command_palette", "app.request_quit", "app.board", "app.training_pause",
            "app.training_speed", "app.training_next"}  # action names
FILE_SUFFIXES = (".toml", ".tcss", ".py")
SECTIONS = sorted({key.split(".")[0] for key in catalogue("zh_CN")})
# Any string literal shaped like a catalogue key ("error.stale", "seed.bad_time", …).
LITERAL_KEY = re.compile(r"""["']((?:%s)\.[a-z_0-9]+)["']""" % "|".join(SECTIONS))


def test_both_catalogues_have_the_same_keys():
    assert set(catalogue("zh_CN")) == set(catalogue("en"))


def test_every_literal_key_in_the_code_exists():
    missing = set()
    for path in SRC.rglob("*.py"):
        for key in LITERAL_KEY.findall(path.read_text("utf-8")):
            if key in NOT_KEYS or key.endswith(FILE_SUFFIXES):
                continue
            if key not in catalogue("zh_CN"):
                missing.add(f"{path.name}: {key}")
    assert missing == set()


def test_every_enum_value_has_a_label():
    zh = catalogue("zh_CN")
    from dutydesk.domain import disputes as d

    for prefix, enum in (("state", CaseState), ("action", Action), ("channel", Channel),
                         ("role", Role), ("level", Level), ("deadline", DeadlineState),
                         ("colour", d.Colour), ("dispute.type", d.DisputeType),
                         ("dispute.role", d.PartyRole), ("dispute.method", d.Method),
                         ("dispute.result", d.SessionResult), ("dispute.outcome", d.Outcome),
                         ("dispute.stage", d.FamilyStage), ("dispute.action", d.DisputeAction)):
        for member in enum:
            assert f"{prefix}.{member.value}" in zh, (prefix, member)
