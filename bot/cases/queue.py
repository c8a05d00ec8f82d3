"""What representatives look at in bulk: /queue (paged, filtered by category or status, each
case one tap from its card) and /collective (issues many riders reported at one place)."""

from __future__ import annotations

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.cases.callbacks import CaseAction, CollectiveAction, QueuePage
from bot.common.presses import shown
from models import CaseStatus, User
from services.cases import collective
from services.cases import triage as cases_triage
from services.cases.access import require_staff
from services.cases.categories import categories
from services.cases.formatting import category_name, local, severity_name, status_name
from services.cases.states import OPEN
from services.texts import Translate

S = CaseStatus


async def _queue_answer(
    session: AsyncSession, user: User, t: Translate, settings: Settings, q: QueuePage
) -> tuple[str, InlineKeyboardMarkup]:
    page = await cases_triage.queue(
        session,
        actor=user,
        category_code=q.category or None,
        status=S(q.status) if q.status else None,
        page=q.page,
    )
    kb = InlineKeyboardBuilder()
    lines = []
    for case in page.cases:
        flag = "⏰ " if cases_triage.overdue(case) else ""
        lines.append(
            t(
                "triage.queue_line",
                flag=flag,
                ref=case.ref,
                severity=severity_name(t.lang, case.severity.value),
                category=category_name(t.lang, case.category),
                status=status_name(t.lang, case),
                due=local(case.first_response_due_at, settings.timezone),
            )
        )
        kb.button(text=case.ref, callback_data=CaseAction(action="open", case_id=case.id))
    widths = [len(page.cases)] if page.cases else []
    nav = 0
    if q.page > 0:
        kb.button(text="◀️", callback_data=q.model_copy(update={"page": q.page - 1}))
        nav += 1
    if q.page + 1 < page.pages:
        kb.button(text="▶️", callback_data=q.model_copy(update={"page": q.page + 1}))
        nav += 1
    kb.button(text=t("btn.queue_filter"), callback_data=QueuePage(menu=True))
    kb.adjust(*(widths + ([nav] if nav else []) + [1]))
    filters = []
    if q.category:
        filters.append(category_name(t.lang, q.category))
    if q.status:
        filters.append(t(f"cases.status.{q.status}"))
    head = t(
        "triage.queue_title",
        total=page.total,
        page=page.page + 1,
        pages=page.pages,
        filters=" · ".join(filters) or t("triage.no_filter"),
    )
    body = "\n".join(lines) if lines else t("triage.queue_empty")
    return f"{head}\n\n{body}", kb.as_markup()


async def show_queue(
    message: Message, session: AsyncSession, user: User, t: Translate, settings: Settings
) -> None:
    require_staff(user)
    body, markup = await _queue_answer(session, user, t, settings, QueuePage())
    await message.answer(body, reply_markup=markup)


async def queue_page(
    query: CallbackQuery,
    callback_data: QueuePage,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
) -> None:
    require_staff(user)
    message = shown(query)
    if message is None:
        return
    if callback_data.menu:
        kb = InlineKeyboardBuilder()
        for cat in categories():
            kb.button(text=cat.name(t.lang), callback_data=QueuePage(category=cat.code))
        for st in sorted(OPEN, key=list(S).index):
            kb.button(text=t(f"cases.status.{st.value}"), callback_data=QueuePage(status=st.value))
        kb.button(text=t("triage.no_filter"), callback_data=QueuePage())
        kb.adjust(1)
        await message.answer(t("triage.choose_filter"), reply_markup=kb.as_markup())
        return
    body, markup = await _queue_answer(session, user, t, settings, callback_data)
    await message.answer(body, reply_markup=markup)


# --- collective issues -----------------------------------------------------------------------


def _collective_text(t: Translate, s: collective.CollectiveSummary, tz: str) -> str:
    return t(
        "triage.collective",
        id=s.issue.id,
        category=category_name(t.lang, s.issue.category),
        riders=s.riders,
        cases=s.cases,
        first=local(s.first_at, tz),
        last=local(s.last_at, tz),
        place=s.issue.place or f"{s.issue.lat:.5f}, {s.issue.lon:.5f}",
        status=t(f"triage.collective_status.{s.issue.status.value}"),
    )


async def list_collectives(
    message: Message, session: AsyncSession, user: User, t: Translate, settings: Settings
) -> None:
    found = await collective.list_collectives(session, actor=user)
    if not found:
        await message.answer(t("triage.no_collectives"))
        return
    for s in found:
        kb = InlineKeyboardBuilder()
        if s.issue.status.value == "open":
            kb.button(
                text=t("btn.collective_raise"),
                callback_data=CollectiveAction(action="raise", collective_id=s.issue.id or 0),
            )
        kb.button(
            text=t("btn.collective_resolve"),
            callback_data=CollectiveAction(action="resolve", collective_id=s.issue.id or 0),
        )
        await message.answer(_collective_text(t, s, settings.timezone), reply_markup=kb.as_markup())


async def collective_action(
    query: CallbackQuery,
    callback_data: CollectiveAction,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
) -> None:
    if callback_data.action == "raise":
        s = await collective.raise_collective(
            session, collective_id=callback_data.collective_id, actor=user
        )
    else:
        s = await collective.resolve_collective(
            session, collective_id=callback_data.collective_id, actor=user
        )
    message = shown(query)
    if message is not None:
        await message.answer(_collective_text(t, s, settings.timezone))
