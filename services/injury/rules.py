"""An injury claim's stages, the moves allowed between them, and each stage's deadline: pure
functions of the claim's facts, the days its stages were reached and the city's plan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from models.injury import InjuryStage
from services.injury.steps import DEADLINE_STAGES, Rule

S = InjuryStage
# The way a claim goes when it goes well; `refused` and `withdrawn` end it otherwise.
PATH = (S.opened, S.reported, S.documents, S.submitted, S.decided, S.paid)
OPEN_STAGES = (S.opened, S.reported, S.documents, S.submitted, S.decided)
FINAL_STAGES = (S.paid, S.refused, S.withdrawn)
# A refusal is a decision: it comes once the application is in.
REFUSABLE = (S.submitted, S.decided)
# Reminders: a week before a stage's deadline, three days before, and the day before.
REMINDER_WINDOWS = (7, 3, 1)


def allowed_moves(stage: InjuryStage) -> list[InjuryStage]:
    """The next stage on the path only (no skipping), a refusal once submitted, and
    withdrawal from any open stage."""
    if stage in FINAL_STAGES:
        return []
    moves = [PATH[PATH.index(stage) + 1]]
    if stage in REFUSABLE:
        moves.append(S.refused)
    return [*moves, S.withdrawn]


@dataclass(frozen=True)
class StageRow:
    """One stage of the claim as the desk, the chat and the PDF show it."""

    stage: InjuryStage
    reached_on: date | None
    due_on: date | None  # None: counted from a stage not reached yet, or no deadline
    rule: Rule | None

    def overdue(self, today: date) -> bool:
        return self.reached_on is None and self.due_on is not None and self.due_on < today


def stage_rows(
    *, plan: Mapping[str, Rule], accident_on: date, reached: Mapping[InjuryStage, date]
) -> list[StageRow]:
    """Every stage on the path with the day it was reached and its deadline."""
    rows = []
    for stage in PATH:
        rule = plan.get(stage.value) if stage.value in DEADLINE_STAGES else None
        due = None
        if rule is not None:
            base = accident_on if rule.start == "accident" else reached.get(S(rule.start))
            due = rule.due(base) if base is not None else None
        rows.append(StageRow(stage, reached.get(stage), due, rule))
    return rows


def next_deadline(*, stage: InjuryStage, rows: list[StageRow]) -> tuple[InjuryStage, date] | None:
    """The nearest deadline of a stage still ahead of the claim (none once it has ended)."""
    if stage in FINAL_STAGES:
        return None
    ahead = [
        (r.due_on, r.stage)
        for r in rows
        if PATH.index(r.stage) > PATH.index(stage) and r.due_on is not None
    ]
    if not ahead:
        return None
    due, nearest = min(ahead, key=lambda pair: (pair[0], PATH.index(pair[1])))
    return nearest, due
