"""认领 on a board: `l` claims the selected item or lets it go, `L` (the duty chief) takes
another officer's claim over with a reason, the detail names who holds it, and a step on an
item another officer holds is refused before its form opens. Mixed into the queue and the 110
board (boards whose `paged_list` details have `hold` and `hold_until`)."""

from __future__ import annotations

from rich.text import Text

from dutydesk.domain.claims import blocks, may_claim
from dutydesk.domain.lifecycle import Role
from dutydesk.errors import DutyDeskError
from dutydesk.i18n import local_time, t
from dutydesk.services import claims
from dutydesk.tui.messages import Done, KeyRefused


def hold_text(detail) -> Text:
    """Who works the item now, for the line of keys in its detail ("" when nobody does):
    short, so that the keys after it stay on the line at 80 columns (when it was claimed is
    in the timeline)."""
    if detail.hold is None:
        return Text()
    return Text(t("claim.line", who=detail.hold.officer_name,
                  until=local_time(detail.hold_until, "%H:%M")) + "  ", style="reverse")


class ClaimKeys:
    def claim_item(self, detail) -> tuple[str, str]:
        """The item's claim subject ("case:12") and how officers name it ("#12")."""
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "claim":
            return may_claim(self.actor.role)
        if action == "take_over":
            return self.actor.role is Role.DUTY_CHIEF
        return super().check_action(action, parameters)  # type: ignore[misc]

    def held_elsewhere(self, detail) -> bool:
        """Refuse (aloud) a step on an item another officer holds; True if refused."""
        if detail.hold is None or not blocks(detail.hold, self.actor.id, self.actor.role,
                                             self.desk.clock.now(),
                                             self.desk.settings.claim_idle):
            return False
        self.refuse_key(t("claim.error.held", who=detail.hold.officer_name,
                          since=local_time(detail.hold.claimed_at),
                          until=local_time(detail.hold_until)))
        return True

    async def action_claim(self) -> None:
        """l: 认领 the item, or let it go if it is mine."""
        detail = await self.paged_list.settled_detail()
        if detail is None:
            return
        mine = detail.hold is not None and detail.hold.officer_id == self.actor.id
        subject, label = self.claim_item(detail)
        self.run_worker(lambda: self._claim(subject, label, mine), thread=True, group="claim",
                        exit_on_error=False)

    def _claim(self, subject: str, label: str, mine: bool) -> None:
        try:
            (claims.release if mine else claims.claim)(self.desk, self.actor, subject)
        except DutyDeskError as exc:
            self.post_message(KeyRefused(exc.message()))
            return
        self.post_message(Done(t("claim.released" if mine else "claim.claimed", item=label)))

    # Named handlers (not @on): this is a mixin, and Textual registers @on only on the
    # classes it builds itself.
    def on_key_refused(self, message: KeyRefused) -> None:
        self.refuse_key(message.text)

    def on_done(self, message: Done) -> None:
        self._claimed(message.text)

    def _claimed(self, text: str) -> None:
        self.notify(text, markup=False)
        self.reload()

    async def action_take_over(self) -> None:
        """L: the duty chief takes another officer's claim over, with a reason."""
        from dutydesk.tui.screens.forms import ReasonScreen

        detail = await self.paged_list.settled_detail()
        if detail is None:
            return
        if detail.hold is None or detail.hold.officer_id == self.actor.id:
            self.refuse_key(t("claim.error.nothing_to_take"))
            return
        subject, label = self.claim_item(detail)

        def done(text: str | None) -> None:
            if text:
                self._claimed(text)

        await self.app.push_screen(ReasonScreen(
            t("claim.take_title"),
            lambda reason: claims.take_over(self.desk, self.actor, subject, reason),
            lambda _event: t("claim.taken", item=label)), done)
