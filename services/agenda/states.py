"""An agenda item's moves. A wrong move is refused with a sentence saying what the item
needs first (`error.agenda_not_<to>`)."""

from __future__ import annotations

from models.agenda import AgendaStatus
from services.errors import Conflict

S = AgendaStatus

MOVES: dict[AgendaStatus, frozenset[AgendaStatus]] = {
    S.proposed: frozenset({S.scheduled, S.not_possible}),
    # Back to proposed: the meeting did not get to it, it waits for the next one.
    S.scheduled: frozenset({S.scheduled, S.agreed, S.not_possible, S.proposed}),
    S.agreed: frozenset({S.done, S.not_possible}),
    S.done: frozenset(),
    S.not_possible: frozenset(),
}
CLOSED = frozenset({S.done, S.not_possible})
OPEN = frozenset(set(S) - CLOSED)
# Moves that say what was decided: the decision is asked for.
DECIDED = frozenset({S.agreed, S.done, S.not_possible})


def can_move(current: AgendaStatus, to: AgendaStatus) -> bool:
    return to in MOVES[current]


def check_move(current: AgendaStatus, to: AgendaStatus) -> None:
    if current in CLOSED:
        raise Conflict("agenda_closed")
    if not can_move(current, to):
        raise Conflict(f"agenda_not_{to.value}")
