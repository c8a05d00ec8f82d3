"""Named actions a notice offers: a service says *what* its reader can do next (open a case,
approve an application), never how. `bot/actions.py` decides the button for each name (its
label and callback data), so renaming a callback field in bot/ cannot silently break a
notice queued here, and each callback format is defined once, beside its handler.

A payload carries its actions as plain JSON until the outbox sender turns them into the
keyboard: `{"actions": {"lang": "zh", "rows": [[{"act": "my_card", "id": null}]]}}`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

ACTIONS = "actions"  # the payload key


class Act(StrEnum):
    """Everything a notice can offer. A test fails if one has no button in bot/actions.py."""

    MY_CARD = "my_card"  # a rider: show my member card
    JOIN = "join"  # a rider: start joining (again)


@dataclass(frozen=True)
class Action:
    act: Act
    target: int | None = None  # the id of the thing it acts on (a case, a claim, …)

    def as_json(self) -> dict[str, Any]:
        return {"act": self.act.value, "id": self.target}


Rows = Sequence[Sequence[Action]]


def spec(lang: str, rows: Rows) -> dict[str, Any]:
    """What a payload keeps of its actions: the names, their targets, the reader's language."""
    return {"lang": lang, "rows": [[a.as_json() for a in row] for row in rows if row]}


def parse(value: dict[str, Any]) -> tuple[str, list[list[Action]]]:
    """A payload's actions back as `Action`s (an unknown name raises ValueError)."""
    rows = [[Action(Act(a["act"]), a.get("id")) for a in row] for row in value.get("rows", [])]
    return value.get("lang", ""), rows
