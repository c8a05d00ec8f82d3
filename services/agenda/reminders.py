"""The day-before reminder of a meeting: a sweep (app/scheduler.py) finds the meetings
starting within a day not reminded yet, marks each with one conditional UPDATE (so two
workers never both send it) and reminds everyone invited who has not said no."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.agenda import Meeting, MeetingInvite, Rsvp
from services.agenda import notices
from services.agenda.meetings import meeting_items
from services.agenda.places import Places

AHEAD = timedelta(days=1)


async def send_due_meeting_reminders(
    session: AsyncSession, *, now: datetime, places: Places | None = None
) -> int:
    """Returns how many reminders were queued."""
    due = (
        await session.execute(
            select(Meeting.id).where(
                Meeting.reminded_at.is_(None),
                Meeting.starts_at > now,
                Meeting.starts_at <= now + AHEAD,
            )
        )
    ).scalars()
    sent = 0
    for meeting_id in list(due):
        claimed = await session.execute(
            update(Meeting)
            .where(Meeting.id == meeting_id, Meeting.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another worker reminded it
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        people = (
            await session.execute(
                select(User)
                .join(MeetingInvite, MeetingInvite.user_id == User.id)
                .where(
                    MeetingInvite.meeting_id == meeting_id,
                    (MeetingInvite.rsvp.is_(None)) | (MeetingInvite.rsvp != Rsvp.no),
                )
                .order_by(User.id)
            )
        ).scalars()
        sent += await notices.invite(
            session,
            meeting=meeting,
            items=await meeting_items(session, meeting_id=meeting_id),
            people=list(people),
            places=places,
            key="agenda.reminder",
        )
    return sent
