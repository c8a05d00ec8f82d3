"""Named actions a notice offers: a service says *what* its reader can do next (open a case,
approve an application), never how. `bot/actions.py` decides the button for each name (its
label and callback data), so renaming a callback field in bot/ cannot silently break a
notice queued here, and each callback format is defined once, beside its handler.

A payload carries its actions as plain JSON until the outbox sender turns them into the
keyboard: `{"actions": {"lang": "zh", "rows": [[{"act": "my_card", "id": null}]]}}`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

ACTIONS = "actions"  # the payload key


class Act(StrEnum):
    """Everything a notice can offer. A test fails if one has no button in bot/actions.py."""

    # riders
    MY_CARD = "my_card"  # show my member card
    JOIN = "join"  # start joining (again)
    SEE_MY_CASE = "see_my_case"  # a case I reported or follow
    ANSWER_CASE = "answer_case"  # answer the representative's question
    CONFIRM_FIXED = "confirm_fixed"  # the resolved case is fixed
    NOT_FIXED = "not_fixed"  # ... it is not: reopen
    OPEN_WAGE_CLAIM = "open_wage_claim"  # a wage claim (riders and staff)
    # representatives
    OPEN_CASE = "open_case"  # the case card
    TAKE_CASE = "take_case"  # take the case (while nobody has it)
    APPROVE_APPLICATION = "approve_application"
    REJECT_APPLICATION = "reject_application"
    APPLICATION_APPROVED = "application_approved"  # shows who decided (value: name)
    APPLICATION_REJECTED = "application_rejected"
    APPROVE_TIP = "approve_tip"
    REJECT_TIP = "reject_tip"
    # surveys (members)
    SURVEY_OPTION = "survey_option"  # choose (or, multiple choice, un-choose) an option
    SURVEY_WRITE = "survey_write"  # write a free-text answer
    CANCEL_BOOKING = "cancel_booking"  # a rider's booked station slot (reminder)
    # accident help (services/injury/)
    ACCIDENT_STEPS = "accident_steps"  # read the accident steps again (riders)
    OPEN_INJURY_CLAIM = "open_injury_claim"  # an accident case's injury claim (target: case)
    # activists and success stories
    CONFIRM_ACTIVIST = "confirm_activist"  # a representative confirms a volunteer
    DECLINE_ACTIVIST = "decline_activist"
    ACTIVIST_CONFIRMED = "activist_confirmed"  # shows who decided (value: name)
    ACTIVIST_DECLINED = "activist_declined"
    STORY_AGREE = "story_agree"  # the rider agrees that their story is published
    STORY_REFUSE = "story_refuse"
    # members invited to a meeting about agenda items
    MEETING_YES = "meeting_yes"  # I will come
    MEETING_NO = "meeting_no"  # I cannot come


@dataclass(frozen=True)
class Action:
    act: Act
    target: int | None = None  # the id of the thing it acts on (a case, a claim, …)
    values: Mapping[str, str] = field(default_factory=dict)  # for a label that says more

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"act": self.act.value, "id": self.target}
        if self.values:
            out["values"] = dict(self.values)
        return out


Rows = Sequence[Sequence[Action]]


def spec(lang: str, rows: Rows) -> dict[str, Any]:
    """What a payload keeps of its actions: the names, their targets, the reader's language."""
    return {"lang": lang, "rows": [[a.as_json() for a in row] for row in rows if row]}


def markup(lang: str, rows: Rows) -> dict[str, Any]:
    """A payload's buttons, for the payloads a service builds itself (edits in place)."""
    return {ACTIONS: spec(lang, rows)}


def parse(value: dict[str, Any]) -> tuple[str, list[list[Action]]]:
    """A payload's actions back as `Action`s (an unknown name raises ValueError)."""
    rows = [
        [Action(Act(a["act"]), a.get("id"), a.get("values", {})) for a in row]
        for row in value.get("rows", [])
    ]
    return value.get("lang", ""), rows
