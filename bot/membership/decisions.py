"""Representatives: `/invite` (the referral link and its QR code), `/recruits`, and deciding
on applications from the application card (approve, or reject with a reason picked or
typed). A press is checked against the presser's role and zones, never trusted."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.activists.commands import recruits_line as activist_counts
from bot.common.presses import shown
from bot.errors import explain
from bot.membership.buttons import ApplicationDecision, RejectionReason
from models import MembershipStatus, User
from services.errors import Conflict, DomainError, Forbidden, Invalid
from services.local_time import time_zone
from services.membership import applications as membership_applications
from services.membership import member_card, members
from services.texts import Raw, Translate


class RejectForm(StatesGroup):
    reason = State()


async def invite(
    message: Message, user: User, session: AsyncSession, t: Translate, bot: Bot
) -> None:
    code = await members.referral_code(session, user=user)
    me = await bot.me()
    link = f"https://t.me/{me.username}?start=ref_{code}"
    await message.answer(t("membership.invite", link=link, code=code))
    png = member_card.qr_png(link)
    await message.answer_photo(
        BufferedInputFile(png, filename="invite.png"), caption=t("membership.invite_caption")
    )


async def recruits(message: Message, user: User, session: AsyncSession, t: Translate) -> None:
    counts = await members.recruits(session, user=user)
    lines = "\n".join(
        t("membership.recruits_line", status=t(f"membership.status.{s}"), count=n)
        for s, n in counts.items()
    )
    body = t("membership.recruits", total=sum(counts.values()), lines=Raw(lines))
    await message.answer(body + "\n\n" + await activist_counts(session, user=user, t=t))


def _decision_kb(t: Translate, membership_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for label, action in (("btn.member_approve", "approve"), ("btn.member_reject", "reject")):
        data = ApplicationDecision(action=action, membership_id=membership_id)
        kb.button(text=t(label), callback_data=data)
    return kb.as_markup()


def _reasons_kb(t: Translate, membership_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for code in members.REJECT_REASONS:
        data = RejectionReason(membership_id=membership_id, code=code)
        kb.button(text=t(f"membership.reason.{code}"), callback_data=data)
    kb.button(
        text=t("btn.member_reason_typed"),
        callback_data=RejectionReason(membership_id=membership_id, code="typed"),
    )
    kb.button(
        text=t("btn.join_back"),
        callback_data=ApplicationDecision(action="back", membership_id=membership_id),
    )
    kb.adjust(1)
    return kb.as_markup()


async def _decided(message: Message | None, t: Translate, m: Any, *, edit: bool) -> None:
    """Shows the outcome on the representative's copy of the application."""
    if message is None:
        return
    if m.status is MembershipStatus.active:
        line = t("membership.decided_approved", number=m.member_number)
    else:
        line = t(
            "membership.decided_rejected",
            reason=membership_applications.reason_text(t.lang, m.reject_reason),
        )
    if edit:
        await message.edit_reply_markup(reply_markup=None)
    await message.answer(line)


async def _guard(session: AsyncSession, user: User, membership_id: int) -> Any:
    """The press is checked against the presser's role and zones, never trusted."""
    m = await membership_applications.get_membership(session, membership_id=membership_id)
    if not await membership_applications.can_decide(session, actor=user, zone_id=m.zone_id):
        raise Forbidden("not_your_zone")
    if m.status is not MembershipStatus.pending:
        raise await membership_applications.decision_conflict(session, m)
    return m


async def _decide(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
    membership_id: int,
    *,
    approve: bool,
    reason: str | None = None,
) -> None:
    message = shown(query)
    try:
        m = await membership_applications.decide(
            session,
            membership_id=membership_id,
            actor=user,
            approve=approve,
            reason=reason,
            tz=time_zone(settings.timezone),
        )
    except Conflict as err:  # somebody else was first: say who, and retire the buttons
        callback_answer.text = explain(t, err)
        callback_answer.show_alert = True
        if message is not None:
            await message.edit_reply_markup(reply_markup=None)
        return
    callback_answer.text = t("membership.decision_saved")
    await _decided(message, t, m, edit=True)


async def decision_pressed(
    query: CallbackQuery,
    callback_data: ApplicationDecision,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    membership_id = callback_data.membership_id
    if callback_data.action == "approve":
        await _decide(
            query, callback_answer, session, user, t, settings, membership_id, approve=True
        )
        return
    await _guard(session, user, membership_id)  # a decided one: who decided, as the answer
    if callback_data.action == "reject":
        markup = _reasons_kb(t, membership_id)
    else:
        markup = _decision_kb(t, membership_id)
    if (message := shown(query)) is not None:
        await message.edit_reply_markup(reply_markup=markup)


async def reason_pressed(
    query: CallbackQuery,
    callback_data: RejectionReason,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    t: Translate,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    membership_id, code = callback_data.membership_id, callback_data.code
    if code != "typed":
        if code not in members.REJECT_REASONS:
            raise Invalid("reject_reason_missing")
        await _decide(
            query,
            callback_answer,
            session,
            user,
            t,
            settings,
            membership_id,
            approve=False,
            reason=code,
        )
        return
    await _guard(session, user, membership_id)
    await state.set_state(RejectForm.reason)
    await state.update_data(reject_id=membership_id)
    if (message := shown(query)) is not None:
        await message.answer(t("membership.ask_reason"))


async def reason_typed(
    message: Message,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    t: Translate,
    settings: Settings,
) -> None:
    membership_id = int((await state.get_data())["reject_id"])
    await state.set_state(None)
    try:
        m = await membership_applications.decide(
            session,
            membership_id=membership_id,
            actor=user,
            approve=False,
            reason=message.text,
            tz=time_zone(settings.timezone),
        )
    except DomainError as err:
        await message.answer(explain(t, err))
        return
    await _decided(message, t, m, edit=False)


async def reason_expected(message: Message, t: Translate) -> None:
    await message.answer(t("membership.ask_reason"))


def register_rider_chat(router: Router) -> None:
    """Commands of a representative's private chat with the bot."""
    router.message.register(invite, Command("invite"))
    router.message.register(recruits, Command("recruits"))


def register(router: Router) -> None:
    """Decisions, which may be made in a zone group too."""
    router.callback_query.register(decision_pressed, ApplicationDecision.filter())
    router.callback_query.register(reason_pressed, RejectionReason.filter())
    router.message.register(reason_typed, RejectForm.reason, F.text & ~F.text.startswith("/"))
    router.message.register(reason_expected, RejectForm.reason, ~F.text.startswith("/"))
