"""Reading a configuration folder: settings.toml section by section (each checked, a bad one
refused with the file, the key and the problem), the organisation, and calendar.toml. Used by
`dutydesk init` for a real desk, by the demo and by training scenarios."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

from dutydesk.config.org import Configuration, read_org
from dutydesk.config.settings import BoardColumn, DisputeRules, PoliceRules, Settings, \
    cadence_from_dict
from dutydesk.config.tomlfiles import entries, read_toml, seed_error
from dutydesk.domain.deadlines import LOCAL_TZ, TimeLimit, TimeUnit, WorkingHours
from dutydesk.domain.disputes import Colour, DisputeType, FactThresholds, RiskFactor
from dutydesk.domain.duty import Shift
from dutydesk.domain.lifecycle import Role
from dutydesk.domain.personal import Masks
from dutydesk.domain.supervision import Ladder
from dutydesk.domain.text import TextLimits

SETTINGS = "settings.toml"
_CHECKED = (KeyError, TypeError, ValueError)  # what a malformed section raises


def read_configuration(folder: Path, *, demo: bool,
                       fallback: Path | None = None) -> Configuration:
    """A configuration folder's files; with `fallback`, a file the folder does not have is
    that folder's (a scenario set in another town gives its own org, and may keep the rest)."""
    def file(name: str) -> Path:
        own = folder / name
        return own if fallback is None or own.exists() else fallback / name

    settings = read_settings(read_toml(file(SETTINGS)), demo=demo)
    org = read_org(file)
    years = read_calendar_years(file("calendar.toml"))
    return Configuration(settings, org.nodes, org.categories, org.units, org.officers, years)


def read_settings(doc: dict[str, Any], *, demo: bool) -> Settings:
    """settings.toml: [deadlines] and [supervision] are required; every other section, where
    given, replaces its defaults."""
    settings = _deadlines(doc, demo)
    sections = {"limits": _limits, "police": _police, "shifts": _shifts, "revisits": _revisits,
                "disputes": _disputes, "claims": _claims, "privacy": _privacy}
    for name, read in sections.items():
        if name in doc:
            settings = replace(settings, **read(doc[name]))
    return settings


def _bad(where: str, detail: object) -> Exception:
    return seed_error(SETTINGS, where, "seed.bad_settings", detail=str(detail))


def _limit(section: dict, key: str) -> TimeLimit:
    return TimeLimit(int(section[key]["amount"]), TimeUnit(section[key]["unit"]))


def _deadlines(doc: dict, demo: bool) -> Settings:
    deadlines = doc.get("deadlines", {})
    supervision = doc.get("supervision", {})
    try:
        settings = Settings(
            ack_limit=_limit(deadlines, "ack_limit"),
            verify_limit=_limit(deadlines, "verify_limit"),
            close_limit=_limit(deadlines, "close_limit"),
            ladder=Ladder(dt.time.fromisoformat(supervision.get("chase_at", "09:00")),
                          int(supervision.get("circulate_after_working_days", 5))),
            due_soon_fraction=float(deadlines["due_soon_fraction"]),
            office_hours=WorkingHours(tuple(
                (dt.time.fromisoformat(a), dt.time.fromisoformat(b))
                for a, b in deadlines["office_hours"])),
            is_demo=demo,
        )
    except _CHECKED as exc:
        raise _bad("deadlines", exc) from None
    if not 0 < settings.due_soon_fraction < 1:
        raise seed_error(SETTINGS, "deadlines.due_soon_fraction", "seed.bad_fraction")
    return settings


def _limits(section: dict) -> dict:
    try:
        return {"limits": TextLimits(**section)}
    except (TypeError, ValueError) as exc:
        raise _bad("limits", exc) from None


def _police(police: dict) -> dict:
    def limit(key: str) -> TimeLimit:
        return _limit(police, key) if key in police else getattr(PoliceRules, key)

    try:
        return {"police": PoliceRules(
            limit("sign_limit"), limit("feedback_limit"),
            tuple(str(term) for term in police["danger_terms"]),
            {str(k): str(v) for k, v in police.get("categories", {}).items()},
            tuple(str(term) for term in police.get("danger_exclusions", ())),
            limit("decide_limit"), limit("contact_limit"),
            tuple(str(code) for code in police.get("police_units", ())))}
    except _CHECKED as exc:
        raise _bad("police", exc) from None


def _shifts(doc: dict) -> dict:
    """[[shifts.shift]]: codes unique, times as HH:MM, and no two shifts over the same hour of
    the day; handover_grace_minutes: how long after a shift's end its sheet may still be made
    (0 to 180 minutes)."""
    try:
        shifts = tuple(Shift(str(s["code"]), str(s["name"]), dt.time.fromisoformat(s["start"]),
                             dt.time.fromisoformat(s["end"]), str(s.get("name_en", "")))
                       for s in doc["shift"])
        if not shifts or len({s.code for s in shifts}) != len(shifts):
            raise ValueError("shift codes must be given and unique")
        base = dt.date(2026, 1, 5)
        for hour in range(24):  # every hour is in at most one shift
            moment = dt.datetime.combine(base, dt.time(hour), LOCAL_TZ)
            covering = [s for s in shifts for day in (base, base - dt.timedelta(days=1))
                        if s.bounds(day)[0] <= moment < s.bounds(day)[1]]
            if len(covering) > 1:
                raise ValueError(f"shifts overlap at {hour:02d}:00")
    except _CHECKED as exc:
        raise _bad("shifts", exc) from None
    minutes = doc.get("handover_grace_minutes", 30)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= 180:
        raise _bad("shifts.handover_grace_minutes",
                   f"{minutes!r}: a whole number of minutes from 0 to 180")
    return {"shifts": shifts, "handover_grace": dt.timedelta(minutes=minutes)}


def _revisits(section: dict) -> dict:
    try:
        return {"revisits": cadence_from_dict(section)}
    except _CHECKED as exc:
        raise _bad("revisits", exc) from None


def _disputes(doc: dict) -> dict:
    """[disputes]: every factor's colour and every column must be known."""
    try:
        checklist = tuple(RiskFactor(str(f["code"]), str(f["label"]), Colour(f["colour"]),
                                     str(f.get("label_en", ""))) for f in doc["factor"])
        if len({f.code for f in checklist}) != len(checklist):
            raise ValueError("a factor code appears twice")
        columns = {Colour(c): BoardColumn(str(v["name"]), str(v.get("name_en", "")),
                                          str(v["style"])) for c, v in doc["columns"].items()}
        if set(columns) != set(Colour):
            raise ValueError("columns must be red, yellow and blue")
        return {"disputes": DisputeRules(
            checklist, columns, _limit(doc, "whistle_limit"), int(doc["confirm_days"]),
            tuple(str(team) for team in doc.get("teams", [])),
            {str(k): DisputeType(v).value for k, v in doc.get("types", {}).items()},
            FactThresholds(int(doc.get("group_people", 5)),
                           int(doc.get("large_sum_yuan", 100_000)) * 100))}
    except _CHECKED as exc:
        raise _bad("disputes", exc) from None


def _claims(section: dict) -> dict:
    idle = section.get("idle_minutes")
    if isinstance(idle, bool) or not isinstance(idle, int) or not 1 <= idle <= 24 * 60:
        raise _bad("claims.idle_minutes", idle)
    return {"claim_idle": dt.timedelta(minutes=idle)}


def _privacy(privacy: dict) -> dict:
    """phone_roles: the roles shown phones in full; `phone_mask = [3, 4]` and `id_mask =
    [1, 2]`: the characters kept at each end."""
    roles = privacy.get("phone_roles", [])
    known = {r.value for r in Role}
    if not isinstance(roles, list) or not set(map(str, roles)) <= known:
        raise _bad("[privacy] phone_roles", ", ".join(sorted(known)))
    kept = {}
    for key, (head, tail) in (("phone_mask", ("phone_head", "phone_tail")),
                              ("id_mask", ("id_head", "id_tail"))):
        if key not in privacy:
            continue
        value = privacy[key]
        if not (isinstance(value, list) and len(value) == 2 and all(
                isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 8 for n in value)):
            raise _bad(f"[privacy] {key}", "[0-8, 0-8]")
        kept[head], kept[tail] = value
    return {"phone_roles": frozenset(map(str, roles)), "masks": Masks(**kept)}


def read_calendar_years(path: Path) -> dict[int, tuple[list[str], list[str]]]:
    """`[[year]]` entries of official days off and adjusted working days, checked."""
    years: dict[int, tuple[list[str], list[str]]] = {}
    for e in entries(path, "year", {"year": int, "holidays": list, "workdays": list},
                     allow_empty=True):
        for key in ("holidays", "workdays"):
            for value in e.get(key):
                try:
                    day = dt.date.fromisoformat(value)
                except (TypeError, ValueError):
                    raise e.fail(key, "seed.bad_date", value=repr(value)) from None
                if day.year != e.get("year"):
                    raise e.fail(key, "seed.date_other_year", value=value)
        years[e.get("year")] = (e.get("holidays"), e.get("workdays"))
    return years
