"""/propose on the form engine: a member proposes a hot issue for their zone's agenda —
level (buttons), the issue in one sentence, details (or Skip), then the summary and Submit.
The engine gives each step Back and Cancel and says what to send instead of wrong input;
the rules of a proposal are services.agenda.items'."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms import Ask, Ctx, Done, Form, Input, Step
from bot.keyboards import join_offer_keyboard
from models import User
from models.agenda import AgendaItem, AgendaLevel
from services.agenda import items
from services.agenda.notices import level_name
from services.membership.members import active_membership
from services.texts import Translate


def ask_level(ctx: Ctx) -> Ask:
    rows = [[ctx.button(ctx.t(f"propose.level_button.{lv.value}"), lv.value) for lv in AgendaLevel]]
    return Ask(ctx.t("propose.ask_level"), buttons=rows)


def parse_level(ctx: Ctx, got: Input) -> str:
    return items.level_of(got.value).value


def ask_title(ctx: Ctx) -> Ask:
    level = level_name(ctx.t.lang, ctx.values["level"])
    return Ask(ctx.t("propose.ask_title", level=level, max=items.TITLE_MAX))


def parse_title(ctx: Ctx, got: Input) -> str:
    return items.clean_title(got.text)


def ask_details(ctx: Ctx) -> Ask:
    return Ask(ctx.t("propose.ask_details", max=items.DETAILS_MAX))


def parse_details(ctx: Ctx, got: Input) -> str:
    return items.clean_details(got.text)


def summary(ctx: Ctx) -> Ask:
    v = ctx.values
    return Ask(
        ctx.t(
            "propose.confirm",
            level=level_name(ctx.t.lang, v["level"]),
            title=v["title"],
            details=v.get("details") or ctx.t("propose.no_details"),
        )
    )


async def submit(ctx: Ctx) -> Done:
    item = await items.propose(
        ctx.data["session"],
        user=ctx.data["user"],
        level=ctx.values["level"],
        title=ctx.values["title"],
        details=ctx.values.get("details") or "",
    )
    assert item.id is not None
    level = level_name(ctx.t.lang, item.level.value)
    return Done(item.id, ctx.t("propose.done", id=item.id, level=level))


async def repeated(ctx: Ctx, created_id: int) -> str:
    item = await ctx.data["session"].get(AgendaItem, created_id)
    return ctx.t("propose.already", id=item.id if item else created_id)


PROPOSE = Form(
    "propose",
    prefix="pf",
    title="propose.title",
    steps=[
        Step(
            "level",
            ask_level,
            accepts=("choice",),
            parse=parse_level,
            wrong="propose.level_expected",
        ),
        Step("title", ask_title, parse=parse_title, wrong="propose.words_expected"),
        Step(
            "details",
            ask_details,
            parse=parse_details,
            wrong="propose.words_expected",
            skip="btn.propose_skip",
        ),
    ],
    summary=summary,
    submit=submit,
    repeated=repeated,
)


async def start(
    message: Message,
    session: AsyncSession,
    user: User,
    t: Translate,
    state: FSMContext,
    **data: Any,
) -> None:
    if await active_membership(session, user_id=user.id) is None:  # type: ignore[arg-type]
        await message.answer(t("error.not_member"), reply_markup=join_offer_keyboard(t))
        return
    await PROPOSE.open(message, state, t, session=session, user=user, **data)
