"""/overdue, /escalated (senior representatives and admins) and /stats (staff): what needs
attention now, most overdue first, each case one tap from its card. `/overdue XH` narrows to
a zone."""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.cases.callbacks import CaseAction
from models import Case, User
from models.types import utcnow
from services.cases.formatting import category_name, local, status_name
from services.escalation import overview
from services.escalation.notices import overdue_text
from services.texts import Raw, Translate


def _open_buttons(found: list[Case]) -> InlineKeyboardMarkup | None:
    if not found:
        return None
    kb = InlineKeyboardBuilder()
    for case in found:
        kb.button(text=case.ref, callback_data=CaseAction(action="open", case_id=case.id or 0))
    kb.adjust(2)
    return kb.as_markup()


def _late(t: Translate, due: datetime | None, now: datetime) -> str:
    return overdue_text(t.lang, (now - due).total_seconds() / 60) if due else "—"


def _zone(command: CommandObject) -> str | None:
    return (command.args or "").strip() or None


async def overdue(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
) -> None:
    now = utcnow()
    found, total = await overview.overdue_cases(
        session, actor=user, zone_code=_zone(command), now=now
    )
    if not found:
        await message.answer(t("staff.overdue_none"))
        return
    lines = [
        t(
            "staff.overdue_line",
            ref=case.ref,
            category=category_name(t.lang, case.category),
            status=status_name(t.lang, case),
            late=_late(t, case.first_response_due_at, now),
            due=local(case.first_response_due_at, settings.timezone),
        )
        for case in found
    ]
    more = [t("staff.more", count=total - len(found))] if total > len(found) else []
    await message.answer(
        t("staff.overdue_title", total=total, lines=Raw("\n".join(lines + more))),
        reply_markup=_open_buttons(found),
    )


async def escalated(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
) -> None:
    now = utcnow()
    found, total = await overview.escalated_cases(session, actor=user, zone_code=_zone(command))
    if not found:
        await message.answer(t("staff.escalated_none"))
        return
    lines = [
        t(
            "staff.escalated_line",
            ref=e.case.ref,
            level=e.level,
            category=category_name(t.lang, e.case.category),
            status=status_name(t.lang, e.case),
            late=_late(t, e.due_at, now),
            due=local(e.due_at, settings.timezone),
        )
        for e in found
    ]
    more = [t("staff.more", count=total - len(found))] if total > len(found) else []
    await message.answer(
        t("staff.escalated_title", total=total, lines=Raw("\n".join(lines + more))),
        reply_markup=_open_buttons([e.case for e in found]),
    )


async def stats(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
) -> None:
    counts = await overview.case_stats(
        session, actor=user, tz=settings.timezone, zone_code=_zone(command)
    )
    today, week = counts["today"], counts["week"]
    await message.answer(
        t(
            "staff.stats",
            zone=_zone(command) or t("staff.my_zones"),
            opened_today=today.opened,
            resolved_today=today.resolved,
            overdue_today=today.overdue,
            opened_week=week.opened,
            resolved_week=week.resolved,
            overdue_week=week.overdue,
        )
    )


def make_router() -> Router:
    router = Router(name="staff")
    router.message.filter(F.chat.type == "private")
    router.message.register(overdue, Command("overdue"))
    router.message.register(escalated, Command("escalated"))
    router.message.register(stats, Command("stats"))
    return router
