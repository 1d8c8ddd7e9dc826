"""Training scenarios: every seeded one loads; a malformed one is refused with the file, the key
and the problem, never a crash, and nothing is created by reading one."""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dutydesk.cli import main as dutydesk
from dutydesk.errors import SeedError
from dutydesk.scenario.training import STEPS, list_scenarios, load_scenario

NIGHT = Path(__file__).resolve().parents[2] / "seed" / "scenarios" / "night-110.toml"


def test_every_seeded_scenario_loads_and_expects_only_known_steps():
    found = list_scenarios()
    assert NIGHT in found
    for path in found:
        scenario = load_scenario(path)
        assert scenario.events and scenario.points > 0
        assert all(e.step in STEPS for event in scenario.events for e in event.expect)
        assert scenario.trainee in {o.login for o in scenario.config.officers}


def test_the_night_scenario_expects_the_knife_call_back_to_the_police():
    scenario = load_scenario(NIGHT)
    knife = next(e for e in scenario.events if e.ref == "knife")
    assert [(x.step, x.within.total_seconds() / 60) for x in knife.expect] == [
        ("sign", 10), ("send_back", 15)]
    assert scenario.start.isoformat() == "2026-11-24T21:00:00+08:00"


def _toml(value) -> str:
    """A value as inline TOML (strings as JSON: its escapes are TOML's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, str)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "nan"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {_toml(v)}"
                           for k, v in value.items()) + "}"


def _write(path: Path, document: dict) -> Path:
    path.write_text("\n".join(f"{k} = {_toml(v)}" for k, v in document.items()), "utf-8")
    return path


def _night() -> dict:
    return tomllib.loads(NIGHT.read_text("utf-8"))


BREAKAGES = [  # (where, change, the key the refusal names)
    ("scenario", {"speed": 0}, "scenario.speed"),
    ("scenario", {"speed": "fast"}, "scenario.speed"),
    ("scenario", {"start": "tonight"}, "scenario.start"),
    ("scenario", {"trainee": "nobody"}, "scenario.trainee"),
    ("scenario", {"org": "../../etc"}, "scenario.org"),
    ("scenario", {"colour": "red"}, "scenario.colour"),
    ("event", {"kind": "earthquake"}, "event[1].kind"),
    ("event", {"at": "soon"}, "event[1].at"),
    ("event", {"at": "+12h"}, "event[1].at"),
    ("event", {"number": 5}, "event[1].number"),
    ("event", {"expect": [{"step": "fly"}]}, "event[1].expect[1].step"),
    ("event", {"expect": [{"step": "sign", "points": 1000}]}, "event[1].expect[1].points"),
    ("event", {"expect": [{"step": "sign", "within": "a while"}]}, "event[1].expect[1].within"),
]


@pytest.mark.parametrize("where,change,named", BREAKAGES, ids=[b[2] + ":" + str(b[1])[:20]
                                                                for b in BREAKAGES])
def test_a_malformed_scenario_is_refused_naming_file_and_key(tmp_path, where, change, named):
    document = _night()
    (document[where] if where == "scenario" else document[where][0]).update(change)
    path = _write(tmp_path / "broken.toml", document)
    with pytest.raises(SeedError) as refused:
        load_scenario(path)
    assert "broken.toml" in refused.value.message() and named in refused.value.message()


@pytest.mark.parametrize("step,given,missing", [
    ("request_extension", {"reason": "配件未到"}, "new_due"),
    ("request_extension", {"new_due": "+2d"}, "reason"),
    ("return_", {}, "reason"),
    ("reply", {}, "result"),
])
def test_a_unit_step_carries_what_its_transition_needs(tmp_path, step, given, missing):
    """The fields a step needs come from the lifecycle table: a scenario without them is
    refused when it is read, not left waiting for ever when it is played."""
    document = _night()
    document["event"].insert(1, {"at": "+10m", "kind": "unit_step", "case": "noise",
                                 "step": step, "by": "wangbo", **given})
    with pytest.raises(SeedError, match=f"event\\[2\\].{missing}"):
        load_scenario(_write(tmp_path / "s.toml", document))


def test_a_unit_step_must_name_a_case_the_scenario_made(tmp_path):
    document = _night()
    document["event"].insert(1, {"at": "+10m", "kind": "unit_step", "case": "nowhere",
                                 "step": "acknowledge", "by": "wangbo"})
    with pytest.raises(SeedError, match="event\\[2\\].case"):
        load_scenario(_write(tmp_path / "s.toml", document))


def test_train_check_and_list_on_the_command_line(tmp_path, capsys):
    assert dutydesk(["train", "--check", "night-110"]) == 0
    assert "80" in capsys.readouterr().out
    assert dutydesk(["train", "--list"]) == 0
    assert "night-110" in capsys.readouterr().out
    broken = _night()
    broken["scenario"]["speed"] = 9999
    assert dutydesk(["train", "--check", str(_write(tmp_path / "b.toml", broken))]) == 1
    assert "scenario.speed" in capsys.readouterr().err


_values = st.recursive(
    st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=30)
    | st.sampled_from(["+5m", "+8h", "sign", "transfer", "report", "seed", "liuyang"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(["scenario", "event"]), key=st.text(max_size=10) | st.sampled_from(
    ["speed", "start", "trainee", "org", "ends", "at", "kind", "expect", "ref", "case"]),
    value=_values, remove=st.booleans())
def test_any_value_anywhere_is_loaded_or_refused_and_nothing_is_made(tmp_path, where, key,
                                                                    value, remove):
    document = _night()
    target = document["scenario"] if where == "scenario" else document["event"][0]
    if remove:
        target.pop(key, None)
    else:
        target[key] = value
    folder = tmp_path / "case"
    folder.mkdir(exist_ok=True)
    path = _write(folder / "s.toml", document)
    try:
        load_scenario(path)
    except SeedError as refused:
        assert "s.toml" in refused.message() or "settings.toml" in refused.message() \
            or ".toml" in refused.message()
    assert sorted(p.name for p in folder.iterdir()) == ["s.toml"]  # no database, no file


@settings(max_examples=100)
@given(st.text(max_size=200))
def test_any_text_is_loaded_or_refused(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("t") / "s.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(SeedError):
        load_scenario(path)
