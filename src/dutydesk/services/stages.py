"""A family dispute's stage (seeds/000: 推送 → 化解 → 关注 → 回访), moved by the work done on it —
建档, a mediation, the agreement, the plan's revisits — inside that work's own transaction."""

from __future__ import annotations

from dutydesk.domain.disputes import DisputeType, FamilyStage, StageStep, stage_after
from dutydesk.store.models import Dispute


def move_stage(dispute: Dispute, step: StageStep) -> dict:
    """The stage after `step` for a family dispute (others have none); returns what the step's
    event records of it: the new stage when it changed."""
    if dispute.type != DisputeType.FAMILY.value:
        return {}
    old = FamilyStage(dispute.stage) if dispute.stage else None
    new = stage_after(old, step)
    dispute.stage = new.value
    return {} if new is old else {"stage": new.value}
