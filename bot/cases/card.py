"""A case as representatives see it: the card (header, the rider's description, the history
with its internal notes) and its buttons, sent whole or in pieces, and refreshed in place."""

from __future__ import annotations

import contextlib
import html

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.cases.callbacks import CaseAction
from bot.common.presses import shown
from models import Case, CaseStatus, User
from services.actions import Act, Action
from services.cases import rider_actions
from services.cases import staff_view as case_view
from services.cases import triage as cases_triage
from services.cases.formatting import (
    TELEGRAM_LIMIT,
    category_name,
    event_line,
    local,
    place_of,
    severity_name,
    split_text,
    status_name,
)
from services.cases.states import OPEN
from services.guides import RouteData
from services.texts import Translate

S = CaseStatus


def routes_of(settings: Settings) -> RouteData:
    """The route guide's compounds (report.py loads them; it imports this module)."""
    from bot.cases.report import route_data

    return route_data(settings, None)


def card_keyboard(t: Translate, case: Case, attachments: int, viewer: User) -> InlineKeyboardMarkup:
    open_ = case.status in OPEN
    shown_actions = [
        ("claim", "btn.case_claim", open_ and case.assignee_id is None),
        ("reply", "btn.case_reply", open_ or case.status is S.resolved),
        ("ask", "btn.case_ask", open_),
        ("note", "btn.case_note", True),
        ("severity", "btn.case_severity", open_),
        ("resolve", "btn.case_resolve", open_),
        ("reassign", "btn.case_reassign", open_),
        ("merge", "btn.case_merge", open_),
        ("link", "btn.case_link_claim", case.category != "wage_arrears"),
        ("photos", "btn.case_photos", bool(attachments)),
        ("pin", "btn.case_pin", case.lat is not None and case.lon is not None),
        # The rider's phone: only for the one who has the case, and each look is recorded.
        (
            "phone",
            "btn.case_phone",
            case.assignee_id == viewer.id and case.status not in (S.closed, S.merged),
        ),
    ]
    kb = InlineKeyboardBuilder()
    for action, label, show in shown_actions:
        if show:
            data = CaseAction(action=action, case_id=case.id or 0)
            kb.button(text=t(label, count=attachments), callback_data=data)
    if case.category == "accident":  # its injury claim (bot/accident/)
        from bot.actions import button

        kb.button(**button(t.lang, Action(Act.OPEN_INJURY_CLAIM, case.id or 0)))  # type: ignore[arg-type]
    kb.adjust(2)
    return kb.as_markup()


async def card_parts(
    session: AsyncSession, case: Case, viewer: User, t: Translate, settings: Settings
) -> tuple[str, str, str, InlineKeyboardMarkup]:
    rider = await case_view.rider_of(session, case=case, lang=t.lang)
    assignee = await session.get(User, case.assignee_id) if case.assignee_id else None
    spot = case_view.spot_of(routes_of(settings), lat=case.lat, lon=case.lon)
    place = place_of(t.lang, case)
    counts = await cases_triage.case_counts(session, case=case)
    head = t(
        "triage.card",
        ref=case.ref,
        category=category_name(t.lang, case.category),
        severity=severity_name(t.lang, case.severity.value),
        status=status_name(t.lang, case),
        reporter=(f"{rider.name} · {rider.number}" if rider.number else rider.name)
        if rider
        else "—",
        anonymous=t("triage.anonymous_note") if case.anonymous else "",
        assignee=assignee.display_name if assignee else t("triage.unassigned"),
        place=place if spot is None or spot.compound in place else f"{spot.name(t.lang)} ({place})",
        created=local(case.created_at, settings.timezone),
        due=local(case.first_response_due_at, settings.timezone),
    )
    if cases_triage.overdue(case):
        head += "\n" + t("triage.overdue")
    if case.collective_id:
        head += "\n" + t("triage.in_collective", id=case.collective_id)
    if counts["merged"]:
        head += "\n" + t("triage.merged_here", count=counts["merged"])
    events = await rider_actions.history(session, case=case, public_only=False)
    lines = [
        event_line(t.lang, e, viewer=viewer, actor=a, tz=settings.timezone)
        + ("" if e.public else " 🔒")
        for e, a in events
    ]
    return (
        head,
        case.summary or "🎤",
        "\n".join(lines),
        card_keyboard(t, case, counts["attachments"], viewer),
    )


async def send_card(
    bot: Bot,
    chat_id: int,
    session: AsyncSession,
    case: Case,
    viewer: User,
    t: Translate,
    settings: Settings,
) -> None:
    """Header, then the rider's description as plain text (kept whole, split at Telegram's
    limit), then the history with the action buttons."""
    head, description, history, markup = await card_parts(session, case, viewer, t, settings)
    whole = whole_text(t, head, description, history)
    if len(whole) <= TELEGRAM_LIMIT:  # the usual case: one message
        await bot.send_message(chat_id, whole, reply_markup=markup)
        return
    await bot.send_message(chat_id, head + "\n\n" + t("triage.description"))
    for piece in split_text(description):
        await bot.send_message(chat_id, piece, parse_mode=None)
    pieces = split_text(history or t("triage.no_history"))
    for i, piece in enumerate(pieces):
        await bot.send_message(
            chat_id, piece, reply_markup=markup if i == len(pieces) - 1 else None
        )


def whole_text(t: Translate, head: str, description: str, history: str) -> str:
    return "\n\n".join(
        [head, t("triage.description") + "\n" + html.escape(description, quote=False), history]
    )


def is_card(message: Message) -> bool:
    """A case card (rather than a notice): its buttons include the internal note."""
    rows = message.reply_markup.inline_keyboard if message.reply_markup else []
    note = CaseAction(action="note", case_id=0).pack().removesuffix("0")
    return any((b.callback_data or "").startswith(note) for row in rows for b in row)


async def refresh(
    bot: Bot,
    chat_id: int,
    message_id: int,
    *,
    session: AsyncSession,
    case: Case,
    viewer: User,
    t: Translate,
    settings: Settings,
) -> None:
    """Show the case as it is now in a card of this chat (only its buttons, when the card
    spans several messages). New-case notices are not edited here: every change queues their
    edit through the outbox (services/cards.py), which reaches every copy."""
    head, description, history, markup = await card_parts(session, case, viewer, t, settings)
    whole = whole_text(t, head, description, history)
    with contextlib.suppress(TelegramBadRequest):  # unchanged, or deleted meanwhile
        if len(whole) <= TELEGRAM_LIMIT:
            await bot.edit_message_text(
                whole, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        else:
            await bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=markup
            )


async def refresh_tapped(
    query: CallbackQuery,
    bot: Bot,
    session: AsyncSession,
    case: Case,
    viewer: User,
    t: Translate,
    settings: Settings,
) -> None:
    message = shown(query)
    if message is not None and is_card(message):
        await refresh(
            bot,
            message.chat.id,
            message.message_id,
            session=session,
            case=case,
            viewer=viewer,
            t=t,
            settings=settings,
        )
