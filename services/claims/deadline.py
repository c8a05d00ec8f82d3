"""The one-year limitation period for a wage claim, as a pure function of the facts.

Labour Dispute Mediation and Arbitration Law (劳动争议调解仲裁法) article 27:
- the period is one year from the day the worker knew or should have known their rights were
  infringed (para. 1);
- it restarts (中断) when the worker demands payment from the other side, asks an authority
  for help, or the other side agrees to pay; the year runs again from that day (para. 2);
- for unpaid pay while the work relation goes on, the period does not run; once the relation
  ends the claim must be brought within one year of its end (para. 4).
Periods counted in years end on the corresponding day of the last year, the first day not
counted (Civil Code arts. 201-202); a 29 February start ends on 28 February.
The suspension for force majeure (中止, para. 3) is not modelled: a representative records it
as a note and, where needed, a restart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from services.texts import text

Basis = Literal["ongoing", "knew", "work_end", "restart"]
REMINDER_DAYS = (90, 30, 7)
RESTART_REASONS = ("demand", "authority", "agreed")


@dataclass(frozen=True)
class Deadline:
    last_day: date | None  # None while the work goes on: the year has not started to run
    runs_from: date | None
    basis: Basis


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February: no such day next year, the month's last day counts
        return day.replace(year=day.year + 1, day=28)


def claim_deadline(
    *,
    knew_on: date,
    work_ongoing: bool,
    work_ended_on: date | None,
    restarts: Iterable[date] = (),
) -> Deadline:
    """When the claim must at the latest be brought to arbitration."""
    if work_ongoing:
        return Deadline(None, None, "ongoing")
    start, basis = knew_on, "knew"
    if work_ended_on is not None and work_ended_on >= knew_on:
        start, basis = work_ended_on, "work_end"
    # Only a restart while the year is running counts; an earlier demand changes nothing.
    later = [d for d in restarts if d > start]
    if later:
        start, basis = max(later), "restart"
    return Deadline(one_year_after(start), start, basis)  # type: ignore[arg-type]


def reminders_due(deadline: date, today: date, windows: Sequence[int] = REMINDER_DAYS) -> list[int]:
    """Which of the reminders (days before; 90/30/7 for a wage claim) are due today or
    overdue (most urgent last)."""
    left = (deadline - today).days
    return [days for days in windows if 0 <= left <= days]


def next_reminder(
    deadline: date, today: date, sent: Iterable[int], windows: Sequence[int] = REMINDER_DAYS
) -> int | None:
    """The one reminder to send today, if any: the most urgent window that is due, unless it
    or a more urgent one went out already for this deadline (a claim opened 20 days before its
    deadline gets the 30-day reminder, not the 90-day one too)."""
    due = reminders_due(deadline, today, windows)
    if not due:
        return None
    most_urgent = min(due)
    return None if any(days <= most_urgent for days in sent) else most_urgent


def deadline_sentence(lang: str, deadline: Deadline) -> str:
    """The deadline in one sentence (catalogue HTML: the day in bold), the same in the chat
    form, on the claim card, in the filed notice and on the PDF."""
    if deadline.last_day is None:
        return text(lang, "claims.deadline.ongoing")
    return text(
        lang,
        f"claims.deadline.{deadline.basis}",
        deadline=deadline.last_day.isoformat(),
        start=deadline.runs_from.isoformat() if deadline.runs_from else "—",
    )
