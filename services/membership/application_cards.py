"""Applications that stay true: once one representative decides, every copy of the application
(other representatives', the zone group's) loses its decision buttons through the outbox and
shows who decided. Only the buttons change, so no personal data is written out again."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Outbox, User
from models.chat import StaffNotice
from models.membership import Membership, MembershipStatus
from services.actions import Act, Action, markup
from services.outbox import EDIT_OF, enqueue


def remember(session: AsyncSession, *, membership_id: int, row: Outbox, lang: str) -> None:
    session.add(
        StaffNotice(
            membership_id=membership_id,
            outbox_id=row.id,  # type: ignore[arg-type]
            chat_id=row.chat_id,
            lang=lang,
        )
    )


async def retire(session: AsyncSession, *, m: Membership, actor: User) -> None:
    """Every copy's decision buttons become one line: the outcome and who decided."""
    notices = (
        await session.execute(select(StaffNotice).where(StaffNotice.membership_id == m.id))
    ).scalars()
    outcome = "approved" if m.status is MembershipStatus.active else "rejected"
    for notice in notices:
        # A tap on the outcome button is answered like a late decision: who decided.
        act = Act.APPLICATION_APPROVED if outcome == "approved" else Act.APPLICATION_REJECTED
        done = Action(act, m.id, {"name": actor.display_name or ""})
        await enqueue(
            session,
            chat_id=notice.chat_id,
            method="editMessageReplyMarkup",
            payload={EDIT_OF: notice.outbox_id, **markup(notice.lang, [[done]])},
        )
