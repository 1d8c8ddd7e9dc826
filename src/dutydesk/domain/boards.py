"""Which boards each role works on: one table, read by the app (which boards it opens), the
F-keys and the help screen (which keys and sections it lists)."""

from __future__ import annotations

from dutydesk.domain.lifecycle import DESK_ROLES, Role

_EVERYONE = frozenset(Role)

BOARD_ROLES: dict[str, frozenset[Role]] = {
    "queue": _EVERYONE,
    "police": DESK_ROLES,  # the 110 desk and the shifts are the desk's own
    "disputes": _EVERYONE - {Role.ADMIN},  # the system owner has no case work
    "revisits": _EVERYONE - {Role.ADMIN, Role.UNIT},  # the desk's and communities' work
    "handover": DESK_ROLES,
    "stats": _EVERYONE - {Role.ADMIN, Role.UNIT},  # the desk's and communities' place
}


def boards_for(role: Role) -> tuple[str, ...]:
    return tuple(name for name, roles in BOARD_ROLES.items() if role in roles)
