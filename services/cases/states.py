"""The case lifecycle: which status may follow which. Every status change goes through here."""

from __future__ import annotations

from models import CaseStatus as S
from services.errors import Conflict

OPEN = frozenset({S.new, S.acknowledged, S.in_progress, S.waiting_for_rider})
FINISHED = frozenset({S.resolved, S.closed, S.merged})

MOVES: dict[S, frozenset[S]] = {
    # closed: withdrawn by the rider before anyone answered (services/case_withdraw.py).
    S.new: frozenset({S.acknowledged, S.merged, S.closed}),
    S.acknowledged: frozenset({S.in_progress, S.merged}),
    S.in_progress: frozenset({S.waiting_for_rider, S.resolved, S.merged}),
    S.waiting_for_rider: frozenset({S.in_progress, S.resolved, S.merged}),
    S.resolved: frozenset({S.closed, S.in_progress}),
    S.closed: frozenset(),
    S.merged: frozenset(),
}


def can_move(current: S, target: S) -> bool:
    return target in MOVES[current]


def check_move(current: S, target: S) -> None:
    """Refuse a move the lifecycle does not allow, saying from where to where."""
    if not can_move(current, target):
        raise Conflict("bad_move", current=current.value, target=target.value)
