"""A route tip on the form engine: which place (the compound or one of its entrances) → the
tip's text → summary → Submit. A representative of the zone reviews it before it is shown."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.forms import Ask, Ctx, Done, Form, Input, Step, Wrong
from models.guides import TIP_MAX_CHARS, Tip
from services.errors import DomainError
from services.guides import RouteData, tips
from services.guides import present as show
from services.texts import Translate

MAX_BUTTON = 40  # characters of a place's name on a button


def _routes(ctx: Ctx) -> RouteData:
    return ctx.data["routes"]


def ask_where(ctx: Ctx) -> Ask:
    t, routes = ctx.t, _routes(ctx)
    c = routes.compound(ctx.values["compound"])
    if c is None:
        return Ask(t("guides.gone"))
    rows = [[ctx.button(t("btn.tip_whole", name=c.name)[:MAX_BUTTON], c.id)]]
    rows += [
        [ctx.button(show.entrance_name(t.lang, e)[:MAX_BUTTON], e.id)] for e in routes.entrances(c)
    ]
    return Ask(t("guides.tip_where"), buttons=rows)


def parse_where(ctx: Ctx, got: Input) -> str:
    try:
        return tips.find_place(_routes(ctx), got.value).target_id
    except DomainError:
        raise Wrong("guides.gone") from None


def _label(ctx: Ctx) -> str:
    return tips.place_label(ctx.t.lang, tips.find_place(_routes(ctx), ctx.values["where"]))


def ask_text(ctx: Ctx) -> Ask:
    return Ask(ctx.t("guides.tip_ask", place=_label(ctx), max=TIP_MAX_CHARS))


def parse_text(ctx: Ctx, got: Input) -> str:
    if len(got.text) > TIP_MAX_CHARS:
        raise Wrong("error.tip_too_long", max=TIP_MAX_CHARS, length=len(got.text))
    return got.text


def summary(ctx: Ctx) -> Ask:
    return Ask(ctx.t("forms.tip_summary", place=_label(ctx), text=ctx.values["text"]))


async def submit(ctx: Ctx) -> Done:
    tip = await tips.add_tip(
        ctx.data["session"],
        author=ctx.data["user"],
        routes=_routes(ctx),
        target_id=ctx.values["where"],
        body=ctx.values["text"],
    )
    return Done(tip.id, ctx.t("guides.tip_received"))  # type: ignore[arg-type]


async def repeated(ctx: Ctx, created_id: int) -> str:
    tip = await ctx.data["session"].get(Tip, created_id)
    return ctx.t("forms.tip_already", id=tip.id if tip else created_id)


TIPS = Form(
    "tip",
    prefix="tp",
    title="forms.title_tips",
    steps=[
        Step(
            "where",
            ask_where,
            accepts=("choice",),
            parse=parse_where,
            code="on",
            wrong="forms.press_a_button",
        ),
        Step("text", ask_text, accepts=("text",), parse=parse_text, wrong="guides.tip_send_text"),
    ],
    summary=summary,
    submit=submit,
    repeated=repeated,
)


async def open_tip(
    message: Message, state: FSMContext, t: Translate, compound_id: str, **data: Any
) -> None:
    """The compound view's "Add a tip" button."""
    await TIPS.open(message, state, t, values={"compound": compound_id}, **data)
