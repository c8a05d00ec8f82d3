"""/volunteer on the form engine (bot/forms.py): why, which groups, when (several times may
be picked), a summary and Send. The engine gives every step Back and Cancel, keeps the
draft through a restart and another command, and answers the wrong kind of message with
what to send instead. Nothing is stored as an offer before Send."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms import Ask, Ctx, Done, Form, Input, Stay, Step, Wrong
from models import User
from models.activists import GROUPS_MAX, MOTIVATION_MAX, Activist
from services.activists import volunteering
from services.activists.volunteering import AVAILABILITY, Offer, clean_text
from services.texts import Translate


def _text(limit: int, empty: str) -> Any:
    def parse(ctx: Ctx, got: Input) -> str:  # Invalid is explained by the engine
        return clean_text(got.text, limit=limit, empty=empty, too_long="activist_text_too_long")

    return parse


def _when(ctx: Ctx, chosen: list[str]) -> str:
    return ", ".join(ctx.t(f"activists.when.{w}") for w in chosen) or "—"


def ask_when(ctx: Ctx, text_key: str = "volunteer.ask_availability") -> Ask:
    chosen = ctx.values.get("when") or []
    rows = [
        [ctx.button(("✅ " if w in chosen else "") + ctx.t(f"activists.when.{w}"), w)]
        for w in AVAILABILITY
    ]
    rows.append([ctx.button(ctx.t("btn.volunteer_done"), action="done")])
    return Ask(ctx.t(text_key), buttons=rows)


def parse_when(ctx: Ctx, got: Input) -> Any:
    chosen = list(ctx.values.get("when") or [])
    if got.action == "done":
        if not chosen:
            raise Wrong("error.activist_availability_missing")
        return [w for w in AVAILABILITY if w in chosen]
    if got.value not in AVAILABILITY:
        raise Wrong("volunteer.buttons_expected")
    if got.value in chosen:
        chosen.remove(got.value)
    else:
        chosen.append(got.value)
    ctx.values["when"] = chosen
    return Stay(chosen, ask_when(ctx))


def summary(ctx: Ctx) -> Ask:
    v = ctx.values
    return Ask(
        ctx.t(
            "volunteer.summary",
            motivation=v["why"],
            groups=v["groups"],
            availability=_when(ctx, v["when"]),
        )
    )


async def submit(ctx: Ctx) -> Done:
    v = ctx.values
    offer = Offer(v["why"], v["groups"], list(v["when"]))
    a = await volunteering.volunteer(ctx.data["session"], user=ctx.data["user"], offer=offer)
    return Done(a.id, ctx.t("volunteer.sent"))  # type: ignore[arg-type]


async def repeated(ctx: Ctx, created_id: int) -> str:
    a = await ctx.data["session"].get(Activist, created_id)
    status = a.status.value if a else "pending"
    return ctx.t("volunteer.sent_already", status=ctx.t(f"activists.status.{status}"))


VOLUNTEER = Form(
    "volunteer",
    prefix="vf",
    title="volunteer.title",
    steps=[
        Step("why", "volunteer.ask_motivation", accepts=("text",),
             parse=_text(MOTIVATION_MAX, "activist_motivation_empty"),
             wrong="volunteer.text_expected"),
        Step("groups", "volunteer.ask_groups", accepts=("text",),
             parse=_text(GROUPS_MAX, "activist_groups_empty"), wrong="volunteer.text_expected"),
        Step("when", ask_when, accepts=("choice",), parse=parse_when, actions=("done",),
             wrong="volunteer.buttons_expected"),
    ],
    summary=summary,
    submit=submit,
    repeated=repeated,
    submit_label="btn.volunteer_send",
    cancelled="volunteer.cancelled",
)  # fmt: skip


async def volunteer_command(
    message: Message,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    t: Translate,
    **data: Any,
) -> None:
    await volunteering.ensure_can_volunteer(session, user=user)  # explained if not
    if await VOLUNTEER.draft(state) is None:
        await message.answer(t("volunteer.intro"))
    await VOLUNTEER.open(message, state, t, session=session, user=user, **data)
