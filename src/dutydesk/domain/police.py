"""110 non-police diversion (非警务警情分流): the transfer's own small table, the danger check
and the routing suggestion — plain rules, no storage.

A transfer is signed for (签收) within minutes, then either diverted (分流: it becomes a case,
channel 110转办) or sent back to 110 (退回, a reason required). A diverted one runs two clocks:
the caller is contacted (联系报警人) soon after 分流 — later contacts are interim notes — and
the result is fed back to 110 (反馈) once the case has one; that feedback finishes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dutydesk.domain.lifecycle import DESK_ROLES, Role


class TransferState(StrEnum):
    WAITING = "waiting"  # 待签收
    SIGNED = "signed"  # 已签收, 待分流
    DIVERTED = "diverted"  # 已分流: a case is being handled; 待反馈 once it is finished
    RETURNED = "returned"  # 已退回 110
    FED_BACK = "fed_back"  # 已反馈


class TransferAction(StrEnum):
    SIGN = "sign"
    DIVERT = "divert"
    SEND_BACK = "send_back"
    CONTACT = "contact"
    FEEDBACK = "feedback"


@dataclass(frozen=True)
class TransferTransition:
    action: TransferAction
    sources: frozenset[TransferState]
    target: TransferState
    roles: frozenset[Role]
    key: str  # the key that performs it on the 110 board
    fields: tuple[str, ...] = ()  # required inputs beyond the transfer itself
    needs_result: bool = False  # only once the linked case's result is known


S = TransferState
TRANSFER_TRANSITIONS: tuple[TransferTransition, ...] = (
    TransferTransition(TransferAction.SIGN, frozenset({S.WAITING}), S.SIGNED, DESK_ROLES, "k"),
    TransferTransition(TransferAction.DIVERT, frozenset({S.SIGNED}), S.DIVERTED, DESK_ROLES, "a",
                       fields=("node", "category")),
    TransferTransition(TransferAction.SEND_BACK, frozenset({S.WAITING, S.SIGNED}), S.RETURNED,
                       DESK_ROLES, "b", fields=("reason",)),
    # 联系报警人: the first contact (its own clock), then any interim note; no change of state.
    TransferTransition(TransferAction.CONTACT, frozenset({S.DIVERTED}), S.DIVERTED, DESK_ROLES,
                       "c", fields=("note",)),
    TransferTransition(TransferAction.FEEDBACK, frozenset({S.DIVERTED}), S.FED_BACK, DESK_ROLES,
                       "r", fields=("feedback",), needs_result=True),
)
TRANSFER_BY_ACTION = {tr.action: tr for tr in TRANSFER_TRANSITIONS}


def transfer_actions(state: TransferState, role: Role,
                     has_result: bool = False) -> list[TransferTransition]:
    """The steps open to `role` on a transfer in `state` (the result feedback only once the
    case has a result)."""
    return [tr for tr in TRANSFER_TRANSITIONS if state in tr.sources and role in tr.roles
            and (has_result or not tr.needs_result)]


def danger_terms(summary: str, terms: tuple[str, ...],
                 exclusions: tuple[str, ...] = ()) -> list[str]:
    """The configured danger phrases (持刀, 喝农药, 燃气泄漏 …) the summary mentions, in list
    order: any of them makes the call likely a police matter. Phrases, not characters: 血压 or
    刀削面 mention no danger. An excluded phrase (宠物走失, 火灾隐患) is taken out of the text
    before looking, and a phrase found only inside a longer one found is not listed twice."""
    for phrase in exclusions:
        if phrase:
            summary = summary.replace(phrase, "\x00")
    found = [term for term in terms if term and term in summary]
    return [term for term in found
            if not any(term != other and term in other for other in found)]


def suggest_place(address: str, places: list[tuple[str, tuple[str, ...]]]) -> str | None:
    """The code of the place whose name (or a road, 小区 or building name it lists) occurs in
    the address; the longest match wins, so 建设中路文明巷 beats 建设中路."""
    best: tuple[int, str] | None = None
    for code, names in places:
        for name in names:
            if name and name in address and (best is None or len(name) > best[0]):
                best = (len(name), code)
    return best[1] if best else None


class Section(StrEnum):
    """The 110 board's sections, in the order a night's work moves through them."""

    WAITING = "waiting"  # 待签收 (the sign-for countdown)
    TO_DIVERT = "to_divert"  # 待分流
    IN_HAND = "in_hand"  # 处置中 (the linked case's state): no result yet
    FEEDBACK_DUE = "feedback_due"  # 待反馈: the case's result is known, 110 not yet told
    DONE = "done"  # 已反馈 / 已退回


SECTION_STATES = {
    Section.WAITING: (TransferState.WAITING,),
    Section.TO_DIVERT: (TransferState.SIGNED,),
    Section.IN_HAND: (TransferState.DIVERTED,),
    Section.FEEDBACK_DUE: (TransferState.DIVERTED,),
    Section.DONE: (TransferState.RETURNED, TransferState.FED_BACK),
}
