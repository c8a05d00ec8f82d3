"""The join form (`/join`) on the form engine (bot/forms.py): the privacy notice first, then
name, phone, platforms, kinds of work, zone, vehicle and referrer; a summary whose ✏️ buttons
go back to one step, and Submit applying once. A referrer from an invite link
(`/start ref_<code>`) is in the draft before the first step. Back, Cancel, resume, a draft
kept across other commands and stale buttons are the engine's."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.common.presses import shown
from bot.errors import explain
from bot.forms import Ask, Ctx, Done, Form, Step
from bot.membership import join_steps as s
from bot.menu import menu_button
from models import User
from services.errors import DomainError
from services.membership import applications as membership_applications
from services.membership import members
from services.texts import Translate

EDITABLE = ("name", "phone", "platforms", "kinds", "zone", "vehicle")


def _labels(t: Translate, prefix: str, values: list[str]) -> str:
    return ", ".join(t(f"membership.{prefix}.{v}") for v in values) or "—"


async def summary(ctx: Ctx) -> Ask:
    t, v = ctx.t, ctx.values
    zone = await members.zone_by_id(ctx.data["session"], zone_id=int(v["zone"]))
    body = t(
        "membership.summary",
        name=v["name"],
        phone=v["phone"],
        platforms=_labels(t, "platform", v["platforms"]),
        kinds=_labels(t, "kind", v["kinds"]),
        zone=members.zone_name(zone, t.lang),
        vehicle=t(f"membership.vehicle.{v['vehicle']}"),
        referrer=(v.get("referral") or {}).get("name") or "—",
    )
    edits = [ctx.button(t(f"btn.join_edit_{f}"), f, action="edit") for f in EDITABLE]
    return Ask(body, buttons=[edits[i : i + 2] for i in range(0, len(edits), 2)])


async def submit(ctx: Ctx) -> Done:
    t, v = ctx.t, ctx.values
    session: AsyncSession = ctx.data["session"]
    form = membership_applications.Application(
        name=v["name"],
        phone=v["phone"],
        platforms=v["platforms"],
        work_kinds=v["kinds"],
        zone_id=int(v["zone"]),
        vehicle=v["vehicle"],
        referrer_id=(v.get("referral") or {}).get("id"),
    )
    m = await membership_applications.apply(session, user=ctx.data["user"], form=form)
    assert m.zone_id is not None and m.id is not None
    zone = await members.zone_by_id(session, zone_id=m.zone_id)
    staff = await membership_applications.zone_staff(session, zone_id=m.zone_id)
    text = t(
        "membership.submitted",
        zone=members.zone_name(zone, t.lang),
        reps=", ".join(r.display_name for r in staff) or "—",
    )
    return Done(m.id, text, menu_button(t))


async def repeated(ctx: Ctx, created_id: int) -> str:
    """Submit pressed again: the application's status, as /join would say it."""
    try:
        await members.ensure_can_apply(ctx.data["session"], user=ctx.data["user"])
    except DomainError as err:
        return explain(ctx.t, err)
    return ctx.t("membership.stale_form")


JOIN = Form(
    "join",
    prefix="j",
    title="membership.form_title",
    steps=[
        Step("consent", s.ask_consent, accepts=("choice",), parse=s.parse_consent,
             wrong="membership.expect_consent"),
        Step("name", s.ask_name, parse=s.parse_name, wrong="membership.expect_name"),
        Step("phone", s.ask_phone, accepts=("text", "contact"), parse=s.parse_phone,
             wrong="membership.expect_phone"),
        Step("platforms", s.ask_multi, accepts=("choice",), parse=s.parse_multi,
             wrong="membership.expect_buttons", code="platform", actions=("platforms_done",)),
        Step("kinds", s.ask_multi, accepts=("choice",), parse=s.parse_multi,
             wrong="membership.expect_buttons", code="kind", actions=("kinds_done",)),
        Step("zone", s.ask_zone, accepts=("choice", "location"), parse=s.parse_zone,
             wrong="membership.expect_zone"),
        Step("vehicle", s.ask_vehicle, accepts=("choice",), parse=s.parse_vehicle,
             wrong="membership.expect_buttons"),
        Step("referral", s.ask_referral, accepts=("choice", "text"), parse=s.parse_referral,
             wrong="membership.expect_referral", actions=("keep_referrer", "skip_referrer")),
    ],
    summary=summary,
    submit=submit,
    repeated=repeated,
    submit_label="btn.join_submit",
    cancelled="membership.cancelled",
    # buttons sent before the actions had words
    old_actions={
        "ok": "consent", "pf": "platform", "pf_done": "platforms_done", "wk": "kind",
        "wk_done": "kinds_done", "zn": "zone", "vh": "vehicle", "rk": "keep_referrer",
        "rs": "skip_referrer", "ed": "edit", "sub": "submit",
    },
)  # fmt: skip


async def start_join(
    message: Message,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    **data: Any,
) -> None:
    """The form, with the referrer of an invite link (/start ref_<code>) already in it."""
    await members.ensure_can_apply(session, user=user)
    kept = await state.get_data()
    seed = {}
    if kept.get("ref_id"):  # moves into the draft: a later application starts without it
        seed["referral"] = {"id": kept["ref_id"], "name": kept.get("ref_name") or ""}
        await state.update_data(ref_id=None, ref_name=None)
    await JOIN.open(message, state, t, values=seed, user=user, session=session, **data)


async def join_pressed(
    query: CallbackQuery,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    **data: Any,
) -> None:
    if (message := shown(query)) is not None:
        await start_join(message, user, state, session, t, **data)


def register(router: Router) -> None:
    router.message.register(start_join, Command("join"))
    router.callback_query.register(join_pressed, F.data == "menu:join")
