"""The buttons of named actions (services/actions.py): each `Act` gets its label and its
callback data here, in bot/, packed by the callback data class of the handler that answers
it, so each callback format is defined once. The outbox sender calls `resolve` on every
payload before sending it, so a queued notice carries only the names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.accident.callbacks import Ij
from bot.activists.callbacks import ActivistCb, StoryCb
from bot.agenda.callbacks import AgendaCb
from bot.cases.callbacks import CaseAction, MyCaseAction
from bot.claims.buttons import WageClaimAction
from bot.guides.callbacks import TipReview
from bot.membership.buttons import ApplicationDecision
from bot.stations.callbacks import StationCb
from bot.surveys.callbacks import Sv
from services.actions import ACTIONS, Act, Action, parse
from services.texts import text

# An action's label key and its callback data (given the action's target).
Button = tuple[str, Callable[[Any], str]]


def _my_case(action: str) -> Callable[[Any], str]:
    return lambda i: MyCaseAction(action=action, case_id=i).pack()


def _case(action: str) -> Callable[[Any], str]:
    return lambda i: CaseAction(action=action, case_id=i).pack()


def _decision(action: str) -> Callable[[Any], str]:
    return lambda i: ApplicationDecision(action=action, membership_id=i).pack()


BUTTONS: dict[Act, Button] = {
    Act.MY_CARD: ("btn.my_card", lambda _: "menu:card"),
    Act.JOIN: ("btn.join_again", lambda _: "menu:join"),
    Act.SEE_MY_CASE: ("btn.case_open", _my_case("open")),
    Act.ANSWER_CASE: ("btn.case_answer", _my_case("add")),
    Act.CONFIRM_FIXED: ("btn.case_confirm", _my_case("confirm")),
    Act.NOT_FIXED: ("btn.case_not_fixed", _my_case("reopen")),
    Act.OPEN_WAGE_CLAIM: (
        "btn.claim_open",
        lambda i: WageClaimAction(action="open", claim_id=i).pack(),
    ),
    Act.OPEN_CASE: ("btn.case_open", _case("open")),
    Act.TAKE_CASE: ("btn.case_claim", _case("claim")),
    Act.APPROVE_APPLICATION: ("btn.member_approve", _decision("approve")),
    Act.REJECT_APPLICATION: ("btn.member_reject", _decision("reject")),
    # the decided card's one button: who decided; a tap is answered like a late decision
    Act.APPLICATION_APPROVED: ("chat.application_approved", _decision("decided")),
    Act.APPLICATION_REJECTED: ("chat.application_rejected", _decision("decided")),
    Act.APPROVE_TIP: ("btn.tip_approve", lambda i: TipReview(action="approve", id=i).pack()),
    Act.REJECT_TIP: ("btn.tip_reject", lambda i: TipReview(action="reject", id=i).pack()),
    Act.SURVEY_OPTION: ("btn.survey_option", lambda i: Sv(act="o", id=i).pack()),
    Act.SURVEY_WRITE: ("btn.survey_write", lambda i: Sv(act="w", id=i).pack()),
    Act.CANCEL_BOOKING: ("btn.booking_cancel", lambda i: StationCb(act="cancel", id=i).pack()),
    Act.ACCIDENT_STEPS: ("btn.accident_steps", lambda _: Ij(act="s").pack()),
    Act.OPEN_INJURY_CLAIM: ("btn.injury_claim", lambda i: Ij(act="o", id=i).pack()),
    Act.CONFIRM_ACTIVIST: ("btn.activist_confirm", lambda i: ActivistCb(act="c", id=i).pack()),
    Act.DECLINE_ACTIVIST: ("btn.activist_decline", lambda i: ActivistCb(act="d", id=i).pack()),
    # the decided card's one button: who decided; a tap is answered like a late decision
    Act.ACTIVIST_CONFIRMED: (
        "activists.card_confirmed",
        lambda i: ActivistCb(act="i", id=i).pack(),
    ),
    Act.ACTIVIST_DECLINED: ("activists.card_declined", lambda i: ActivistCb(act="i", id=i).pack()),
    Act.STORY_AGREE: ("btn.story_agree", lambda i: StoryCb(act="y", id=i).pack()),
    Act.STORY_REFUSE: ("btn.story_refuse", lambda i: StoryCb(act="n", id=i).pack()),
    Act.MEETING_YES: ("btn.meeting_yes", lambda i: AgendaCb(act="y", id=i).pack()),
    Act.MEETING_NO: ("btn.meeting_no", lambda i: AgendaCb(act="n", id=i).pack()),
}


def button(lang: str, action: Action) -> dict[str, str]:
    label, data = BUTTONS[action.act]
    return {"text": text(lang, label, **action.values), "callback_data": data(action.target)}


def keyboard(lang: str, rows: list[list[Action]]) -> dict[str, Any]:
    return {"inline_keyboard": [[button(lang, a) for a in row] for row in rows]}


def resolve(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as Telegram takes it: its named actions drawn as an inline keyboard."""
    if ACTIONS not in payload:
        return payload
    rest = {k: v for k, v in payload.items() if k != ACTIONS}
    lang, rows = parse(payload[ACTIONS])
    if rows:
        rest["reply_markup"] = keyboard(lang, rows)
    return rest
