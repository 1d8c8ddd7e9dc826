"""settings.toml is read section by section: a bad value in any section is refused with the
file, the section's key and the problem, and the seed's own file reads whole."""

from __future__ import annotations

import tomllib

import pytest

from dutydesk.config.reading import read_configuration, read_settings
from dutydesk.errors import SeedError
from dutydesk.scenario.demo import seed_dir


def _seed_settings() -> dict:
    return tomllib.loads((seed_dir() / "settings.toml").read_text("utf-8"))


def test_the_seed_configuration_reads_whole():
    config = read_configuration(seed_dir(), demo=True)
    settings = config.settings
    assert settings.is_demo and settings.police.danger_terms and settings.shifts
    assert {n.kind for n in config.nodes} >= {"district", "street", "community"}


# (section, a key inside it, a bad value, the key the message names)
BREAKAGES = [
    ("deadlines", "due_soon_fraction", 1.5, "deadlines.due_soon_fraction"),
    ("deadlines", "ack_limit", {"amount": 2, "unit": "fortnights"}, "deadlines"),
    ("limits", "summary", "long", "limits"),
    ("police", "sign_limit", {"amount": "ten"}, "police"),
    ("disputes", "confirm_days", "thirty", "disputes"),
    ("revisits", "stable_to_step_down", 0, "revisits"),
    ("claims", "idle_minutes", 0, "claims.idle_minutes"),
    ("privacy", "phone_mask", [3, 40], "phone_mask"),
    ("shifts", "handover_grace_minutes", 999, "shifts.handover_grace_minutes"),
]


@pytest.mark.parametrize("section,key,value,named", BREAKAGES,
                         ids=[f"{s}.{k}" for s, k, _v, _n in BREAKAGES])
def test_a_bad_section_is_refused_naming_file_and_key(section, key, value, named):
    doc = _seed_settings()
    doc[section][key] = value
    with pytest.raises(SeedError) as refused:
        read_settings(doc, demo=False)
    text = refused.value.message()
    assert "settings.toml" in text and named in text
    read_settings(_seed_settings(), demo=False)  # and the untouched file still reads
