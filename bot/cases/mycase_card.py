"""A case as its rider sees it from /mycases: the card (the public history) and the buttons that
apply to the case now, redrawn on an outdated press; the states of what the rider types after
those buttons."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.cases.callbacks import MyCaseAction
from bot.common.presses import shown
from models import Case, CaseStatus, User
from services.cases.formatting import category_name, event_line, local, split_text
from services.cases.rider_view import CaseView, case_view_by_id
from services.cases.states import OPEN
from services.texts import Translate

S = CaseStatus


class MyCaseForm(StatesGroup):
    """What the rider types after a card's button: information for the case, or a comment on
    the rating. One group, so one /cancel leaves either."""

    adding = State()
    comment = State()


def new_report_keyboard(t: Translate) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.report_new"), callback_data="menu:report")
    return kb.as_markup()


def _case_keyboard(t: Translate, case: CaseView) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    own, status = case.own, S(case.status)

    def act(action: str) -> MyCaseAction:
        return MyCaseAction(action=action, case_id=case.id)

    if own and status is S.waiting_for_rider:
        kb.button(text=t("btn.case_answer"), callback_data=act("add"))
    elif own and status not in (S.closed, S.merged):
        kb.button(text=t("btn.case_add"), callback_data=act("add"))
    if own and status is S.resolved:
        kb.button(text=t("btn.case_confirm"), callback_data=act("confirm"))
        kb.button(text=t("btn.case_not_fixed"), callback_data=act("reopen"))
    if own and status in (S.resolved, S.closed) and case.rating is None:
        kb.button(text=t("btn.case_rate"), callback_data=act("rate"))
    if own and status in OPEN:
        kb.button(text=t("btn.case_withdraw"), callback_data=act("withdraw"))
    if status in (S.closed, S.merged):
        kb.button(text=t("btn.report_new"), callback_data="menu:report")
    kb.adjust(1)
    return kb.as_markup()


async def open_case(
    query: CallbackQuery,
    callback_data: MyCaseAction,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
) -> None:
    # Every field shown comes from the rider view: a case followed through a merge shows the
    # rider's own report, never the other rider's.
    case = await case_view_by_id(session, case_id=callback_data.case_id, viewer=user, full=True)
    if (message := shown(query)) is None:
        return
    tz = settings.timezone
    lines = [event_line(t.lang, e, viewer=user, actor=a, tz=tz) for e, a in case.history]
    head = t(
        "mycases.card",
        ref=case.ref,
        category=category_name(t.lang, case.category),
        status=t(f"cases.status.{case.status}"),
        created=local(case.created_at, tz),
    )
    if case.status == S.merged.value and case.merged_into_id:
        master = await session.get(Case, case.merged_into_id)
        head += "\n" + t("mycases.merged_into", ref=master.ref if master else "?")
    if not case.own:
        head += "\n" + t("mycases.following")
    body = "\n".join([head, "", *lines])
    pieces = split_text(body)
    for i, piece in enumerate(pieces):
        markup = _case_keyboard(t, case) if i == len(pieces) - 1 else None
        await message.answer(piece, reply_markup=markup)


async def outdated(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    t: Translate,
    case_id: int,
    callback_answer: CallbackAnswer,
) -> None:
    """A button from before the case moved on: say where it is now, and show the buttons that
    still apply on that message."""
    case = await case_view_by_id(session, case_id=case_id, viewer=user)
    if (message := shown(query)) is not None:
        with contextlib.suppress(TelegramBadRequest):  # unchanged, or too old to edit
            await message.edit_reply_markup(reply_markup=_case_keyboard(t, case))
    status = t(f"cases.status.{S(case.status).value}")
    callback_answer.text = t("mycases.outdated", ref=case.ref, status=status)
    callback_answer.show_alert = True
