"""Accident help in chat.

Riders: /accident shows the steps of their city again and their injury claims; the 🩹
buttons of notices open the same. Representatives: the 🩹 button of an accident case's card
opens its injury claim, where they open one (choosing the scheme) or move it to its next
stage, answering with the day it happened (Today, or a typed date; a wrong answer is
answered with what to send instead). That one question is not a form of the engine
(bot/forms.py: steps, a summary, Submit): it is a flow beside it, so it leaves with
`leave(state)` (the riders' form drafts stay) and takes /cancel."""

from __future__ import annotations

from datetime import date, datetime

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.accident.callbacks import Ij
from bot.common.presses import answered, shown
from bot.errors import explain
from bot.forms import cancel_flow, leave
from models import Case, User
from models.injury import InjuryScheme, InjuryStage
from services.cases.access import can_handle, case_for_rider
from services.cases.triage import staff_view
from services.claims.dates import parse_date
from services.errors import DomainError, NotFound
from services.injury import claims, progress
from services.injury.claims import ClaimView
from services.injury.notices import steps_message
from services.injury.pdf import injury_summary_pdf
from services.injury.rules import allowed_moves
from services.texts import Translate

EXAMPLE = "2026-06-15"


class InjuryMove(StatesGroup):
    day = State()  # the day the chosen stage was reached


def _today(settings: Settings) -> date:
    return datetime.now(settings.zone).date()


def claim_text(t: Translate, view: ClaimView, today: date) -> str:
    c = view.claim
    head = t(
        "accident.claim_title",
        ref=view.case.ref,
        scheme=t(f"accident.scheme.{c.scheme.value}"),
        city=view.steps.name(t.lang),
        accident=c.accident_on.isoformat(),
        stage=t(f"accident.stage.{c.stage.value}"),
        on=c.stage_on.isoformat(),
    )
    rows = [
        t(
            "accident.claim_row",
            mark="✅" if r.reached_on else ("⚠️" if r.due_on and r.overdue(today) else "▫️"),
            stage=t(f"accident.stage.{r.stage.value}"),
            reached=r.reached_on.isoformat() if r.reached_on else "—",
            due=r.due_on.isoformat() if r.due_on else "—",
        )
        for r in view.rows
    ]
    if c.stage.value in ("refused", "withdrawn"):
        rows.append(f"⛔ {t(f'accident.stage.{c.stage.value}')}: {c.stage_on.isoformat()}")
    return "\n".join([head, "", *rows])


def claim_keyboard(t: Translate, view: ClaimView, *, staff: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    cid = view.case.id or 0
    if staff:
        for stage in allowed_moves(view.claim.stage):
            label = t("btn.injury_move", stage=t(f"accident.stage.{stage.value}"))
            kb.button(text=label, callback_data=Ij(act="m", id=cid, st=stage.value))
    kb.button(text=t("btn.injury_pdf"), callback_data=Ij(act="p", id=cid))
    kb.button(text=t("btn.accident_steps"), callback_data=Ij(act="s"))
    kb.adjust(1)
    return kb.as_markup()


async def _case_for(session: AsyncSession, user: User, case_id: int) -> tuple[Case, bool]:
    """The case for its rider or a representative of its zone, and whether they are staff."""
    case = await session.get(Case, case_id)
    if case is None:
        raise NotFound("case_not_found")
    if case.rider_id != user.id and await can_handle(session, user=user, zone_id=case.zone_id):
        return await staff_view(session, case_id=case_id, actor=user), True
    return await case_for_rider(session, case_id=case_id, user=user), False


async def _show(
    message: Message,
    t: Translate,
    session: AsyncSession,
    user: User,
    case_id: int,
    settings: Settings,
) -> None:
    case, staff = await _case_for(session, user, case_id)
    claim = await claims.claim_of_case(session, case_id=case_id)
    if claim is None:
        if not staff:
            await message.answer(t("accident.claim_none"))
            return
        kb = InlineKeyboardBuilder()
        for scheme in InjuryScheme:
            label = f"🩹 {t(f'accident.scheme.{scheme.value}')}"
            kb.button(text=label, callback_data=Ij(act="n", id=case_id, st=scheme.value))
        kb.adjust(1)
        await message.answer(
            t("accident.claim_none") + "\n\n" + t("accident.ask_scheme", ref=case.ref),
            reply_markup=kb.as_markup(),
        )
        return
    view = await claims.view_of(session, claim=claim, case=case)
    await message.answer(
        claim_text(t, view, _today(settings)), reply_markup=claim_keyboard(t, view, staff=staff)
    )


# --- riders ----------------------------------------------------------------------------------


async def accident_command(
    message: Message, state: FSMContext, session: AsyncSession, user: User, t: Translate
) -> None:
    """The steps of the rider's city, then a button for each of their injury claims."""
    if await state.get_state() == InjuryMove.day.state:
        await leave(state)
    mine = await claims.my_claims(session, user=user)
    kb = InlineKeyboardBuilder()
    for claim in mine:
        case = await session.get(Case, claim.case_id)
        label = f"🩹 {case.ref if case else claim.id} · {t(f'accident.stage.{claim.stage.value}')}"
        kb.button(text=label, callback_data=Ij(act="o", id=claim.case_id))
    kb.adjust(1)
    body = await steps_message(session, user=user, lang=t.lang)
    if not mine:
        body += "\n\n" + t("accident.no_claims")
    await message.answer(body, reply_markup=kb.as_markup() if mine else None)


async def steps_pressed(
    query: CallbackQuery, session: AsyncSession, user: User, t: Translate
) -> None:
    if (message := shown(query)) is not None:
        await message.answer(await steps_message(session, user=user, lang=t.lang))


async def open_pressed(
    query: CallbackQuery,
    callback_data: Ij,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
) -> None:
    if (message := shown(query)) is not None:
        await _show(message, t, session, user, callback_data.id, settings)


async def pdf_pressed(
    query: CallbackQuery, callback_data: Ij, session: AsyncSession, user: User, settings: Settings
) -> None:
    claim = await claims.claim_of_case(session, case_id=callback_data.id)
    if claim is None:
        raise NotFound("injury_claim_not_found")
    pdf = await injury_summary_pdf(
        session,
        claim_id=claim.id,
        viewer=user,
        today=_today(settings),  # type: ignore[arg-type]
    )
    if (message := shown(query)) is not None:
        await message.answer_document(BufferedInputFile(pdf.data, filename=pdf.file_name))


# --- representatives -------------------------------------------------------------------------


async def new_pressed(
    query: CallbackQuery,
    callback_data: Ij,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    view = await claims.open_claim(
        session,
        case_id=callback_data.id,
        actor=user,
        today=_today(settings),
        scheme=InjuryScheme(callback_data.st),
        tz=settings.timezone,
    )
    callback_answer.text = t("accident.opened", ref=view.case.ref)
    if (message := shown(query)) is not None:
        await message.answer(
            claim_text(t, view, _today(settings)), reply_markup=claim_keyboard(t, view, staff=True)
        )


async def move_pressed(
    query: CallbackQuery,
    callback_data: Ij,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    t: Translate,
) -> None:
    """Which day? Asked before anything changes: Today, a typed date, or Cancel."""
    case = await staff_view(session, case_id=callback_data.id, actor=user)
    stage = InjuryStage(callback_data.st)
    await state.set_state(InjuryMove.day)
    await state.update_data(injury_case=case.id, injury_stage=stage.value)
    kb = InlineKeyboardBuilder()
    kb.button(
        text=t("btn.injury_today"), callback_data=Ij(act="t", id=case.id or 0, st=stage.value)
    )
    kb.button(text=t("btn.injury_cancel"), callback_data=Ij(act="x", id=case.id or 0))
    if (message := shown(query)) is not None:
        await message.answer(
            t(
                "accident.ask_date",
                ref=case.ref,
                stage=t(f"accident.stage.{stage.value}"),
                example=EXAMPLE,
            ),
            reply_markup=kb.as_markup(),
        )


def explain_move(t: Translate, err: DomainError) -> str:
    """A refusal in the representative's words: stage codes become stage names."""
    params = dict(err.params)
    for key in ("current", "target", "stage"):
        if key in params and t.lang and str(params[key]) in InjuryStage.__members__:
            params[key] = t(f"accident.stage.{params[key]}")
    if "allowed" in params:
        names = [t(f"accident.stage.{s}") for s in str(params["allowed"]).split(", ") if s]
        params["allowed"] = "、".join(names) if t.lang == "zh" else ", ".join(names)
    return explain(t, DomainError(err.code, **params))


async def _move(
    reply: Message,
    t: Translate,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    *,
    case_id: int,
    stage: str,
    on: date,
) -> bool:
    """Move, or say why not (and keep asking for the day when the day was the trouble)."""
    claim = await claims.claim_of_case(session, case_id=case_id)
    if claim is None:
        await leave(state)
        await reply.answer(t("error.injury_claim_not_found"))
        return False
    try:
        async with session.begin_nested():
            view = await progress.move_stage(
                session,
                claim_id=claim.id,
                actor=user,
                stage=InjuryStage(stage),
                on=on,  # type: ignore[arg-type]
                today=_today(settings),
            )
    except DomainError as exc:
        if exc.status != 422:  # not the day's fault: nothing more to ask
            await leave(state)
        await reply.answer(explain_move(t, exc))
        return False
    await leave(state)
    await reply.answer(
        t(
            "accident.moved",
            ref=view.case.ref,
            stage=t(f"accident.stage.{stage}"),
            on=on.isoformat(),
        ),
    )
    await reply.answer(
        claim_text(t, view, _today(settings)), reply_markup=claim_keyboard(t, view, staff=True)
    )
    return True


async def today_pressed(
    query: CallbackQuery,
    callback_data: Ij,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
) -> None:
    if (message := shown(query)) is not None:
        await _move(
            message,
            t,
            state,
            session,
            user,
            settings,
            case_id=callback_data.id,
            stage=callback_data.st,
            on=_today(settings),
        )


async def day_given(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
) -> None:
    data = await state.get_data()
    try:
        on = parse_date(message.text or "", today=_today(settings))
    except DomainError as exc:
        await message.answer(explain(t, exc) + "\n" + t("accident.bad_date", example=EXAMPLE))
        return
    await _move(
        message,
        t,
        state,
        session,
        user,
        settings,
        case_id=int(data["injury_case"]),
        stage=str(data["injury_stage"]),
        on=on,
    )


async def day_expected(message: Message, t: Translate) -> None:
    await message.answer(t("accident.text_expected", example=EXAMPLE))


async def cancel_pressed(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    await leave(state)
    if (message := shown(query)) is not None:
        await message.answer(t("accident.cancelled"))


def make_router() -> Router:
    router = answered(Router(name="accident"))
    router.message.filter(F.chat.type == "private")
    router.message.register(accident_command, Command("accident"))
    router.message.register(cancel_flow, InjuryMove.day, Command("cancel"))
    router.message.register(day_given, InjuryMove.day, F.text & ~F.text.startswith("/"))
    router.message.register(day_expected, InjuryMove.day, ~F.text.startswith("/"))
    c = router.callback_query.register
    c(steps_pressed, Ij.filter(F.act == "s"))
    c(open_pressed, Ij.filter(F.act == "o"))
    c(pdf_pressed, Ij.filter(F.act == "p"))
    c(new_pressed, Ij.filter(F.act == "n"), Ij.filter(F.st.in_(set(InjuryScheme.__members__))))
    c(move_pressed, Ij.filter(F.act == "m"), Ij.filter(F.st.in_(set(InjuryStage.__members__))))
    c(today_pressed, Ij.filter(F.act == "t"), StateFilter(InjuryMove.day))
    c(cancel_pressed, Ij.filter(F.act == "x"))
    return router
