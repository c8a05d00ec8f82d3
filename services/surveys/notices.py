"""A notice to an audience of members (a heat warning, a free repair day, a meeting).

Before it goes, the sender sees how many it reaches and how long sending takes at
Telegram's limits. It goes through the outbox, paced (services/surveys/sending.py); members
who muted notices in /settings are left out. The sender gets one message that shows the
progress (sent / failed / unreachable), edited in place while it changes, by the sweep."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Outbox, OutboxStatus, Role, User
from models.surveys import NOTICE_MAX, MemberNotice, NoticeRecipient
from services.cases.access import require_staff
from services.errors import Forbidden, Invalid, NotFound
from services.outbox import EDIT_OF, enqueue, rendered
from services.surveys.audience import Audience, Reach, checked, members, reach_of, send_seconds
from services.surveys.sending import queue_paced
from services.texts import LANGUAGES


@dataclass(frozen=True)
class Progress:
    total: int  # members it was meant for (muted ones are not counted)
    sent: int
    failed: int
    unreachable: int
    pending: int

    @property
    def done(self) -> bool:
        return self.pending == 0

    def shown(self) -> str:
        return f"{self.sent}/{self.failed}/{self.unreachable}/{self.pending}"

    def as_json(self) -> dict[str, int | bool]:
        return {
            "total": self.total,
            "sent": self.sent,
            "failed": self.failed,
            "unreachable": self.unreachable,
            "pending": self.pending,
            "done": self.done,
        }


def check_body(raw: str) -> str:
    body = raw.strip()
    if not body:
        raise Invalid("notice_empty")
    if len(body) > NOTICE_MAX:
        raise Invalid("notice_long", limit=NOTICE_MAX, length=len(body))
    return body


async def preview_notice(session: AsyncSession, *, actor: User, audience: Audience) -> Reach:
    """How many the notice would reach, and how long sending takes."""
    require_staff(actor)
    audience = await checked(session, actor=actor, audience=audience)
    return reach_of(await members(session, audience), respect_mute=True)


async def send_notice(
    session: AsyncSession, *, author: User, body: str, audience: Audience
) -> MemberNotice:
    require_staff(author)
    body = check_body(body)
    audience = await checked(session, actor=author, audience=audience)
    found = [m for m in await members(session, audience) if m.user_id != author.id]
    to = [m for m in found if m.reachable and not m.muted]
    if not to:
        raise Invalid("notice_audience_empty", members=len(found))
    notice = MemberNotice(author_id=author.id, body=body, audience=audience.as_json())  # type: ignore[arg-type]
    session.add(notice)
    await session.flush()
    payloads = {
        lang: rendered(lang, "notices.message", author=author.display_name, body=body)
        for lang in LANGUAGES
    }
    ids = await queue_paced(session, to=to, payloads=payloads)
    sent = dict(zip((m.user_id for m in to), ids, strict=True))
    unreachable = [m for m in found if not m.reachable]
    await session.execute(
        insert(NoticeRecipient),
        [
            {"notice_id": notice.id, "user_id": m.user_id, "outbox_id": sent.get(m.user_id)}
            for m in to + unreachable
        ],
    )
    if author.telegram_id is not None:
        first = Progress(len(to) + len(unreachable), 0, 0, len(unreachable), len(to))
        row = await enqueue(
            session,
            chat_id=author.telegram_id,
            user_id=author.id,
            payload=_progress_payload(author.language, notice, first),
        )
        notice.progress_outbox_id = row.id
        notice.progress_shown = first.shown()
    await session.flush()
    return notice


def _progress_payload(lang: str, notice: MemberNotice, p: Progress) -> dict[str, object]:
    key = "notices.progress_done" if p.done else "notices.progress"
    return rendered(
        lang,
        key,
        id=notice.id,
        total=p.total,
        sent=p.sent,
        failed=p.failed,
        unreachable=p.unreachable,
        pending=p.pending,
        seconds=send_seconds(p.pending),
    )


async def notice_for(session: AsyncSession, *, notice_id: int, viewer: User) -> MemberNotice:
    require_staff(viewer)
    notice = await session.get(MemberNotice, notice_id)
    if notice is None:
        raise NotFound("notice_not_found")
    if notice.author_id != viewer.id and viewer.role is not Role.admin:
        raise Forbidden("notice_not_yours")
    return notice


async def progress_of(session: AsyncSession, *, notice: MemberNotice) -> Progress:
    rows = await session.execute(
        select(Outbox.status, User.unreachable, func.count())
        .select_from(NoticeRecipient)
        .join(User, User.id == NoticeRecipient.user_id)
        .outerjoin(Outbox, Outbox.id == NoticeRecipient.outbox_id)
        .where(NoticeRecipient.notice_id == notice.id)
        .group_by(Outbox.status, User.unreachable)
    )
    sent = failed = unreachable = pending = 0
    for status, gone, n in rows.all():
        if status == OutboxStatus.sent:
            sent += n
        elif status == OutboxStatus.pending:
            pending += n
        elif gone:  # blocked the bot, erased, or never reachable (no row)
            unreachable += n
        else:
            failed += n
    return Progress(sent + failed + unreachable + pending, sent, failed, unreachable, pending)


async def progress(session: AsyncSession, *, notice_id: int, viewer: User) -> Progress:
    notice = await notice_for(session, notice_id=notice_id, viewer=viewer)
    return await progress_of(session, notice=notice)


async def notices_for(
    session: AsyncSession, *, viewer: User, limit: int = 50
) -> list[MemberNotice]:
    require_staff(viewer)
    query = select(MemberNotice).order_by(MemberNotice.id.desc()).limit(limit)  # type: ignore[union-attr]
    if viewer.role is not Role.admin:
        query = query.where(MemberNotice.author_id == viewer.id)
    return list((await session.execute(query)).scalars())


async def refresh_progress(session: AsyncSession) -> int:
    """Edit each unfinished notice's progress message where its counts changed; a notice
    with nothing pending is done. Returns how many messages were edited."""
    edited = 0
    notices = await session.execute(select(MemberNotice).where(MemberNotice.done.is_(False)))
    for notice in list(notices.scalars()):
        p = await progress_of(session, notice=notice)
        if p.done:
            notice.done = True
        if p.shown() == notice.progress_shown:
            continue
        notice.progress_shown = p.shown()
        author = await session.get(User, notice.author_id)
        if notice.progress_outbox_id is None or author is None or author.telegram_id is None:
            continue
        payload = _progress_payload(author.language, notice, p)
        await enqueue(
            session,
            chat_id=author.telegram_id,
            user_id=author.id,
            method="editMessageText",
            payload={**payload, EDIT_OF: notice.progress_outbox_id},
        )
        edited += 1
    await session.flush()
    return edited
