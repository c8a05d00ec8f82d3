"""The join form's questions and how each answer is read: consent, name, phone (typed or the
shared contact), platforms and kinds of work (ticked in place), zone (picked, or the nearest
to a shared location), vehicle, referrer. A parser gives the value or raises Wrong."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, KeyboardButton

from bot.forms import Ask, Ctx, Input, Next, Stay, Wrong
from services.errors import DomainError
from services.membership import members

# The multiple choices: step -> (label prefix, allowed values, Done action)
MULTI = {
    "platforms": ("platform", members.PLATFORMS, "platforms_done"),
    "kinds": ("kind", members.WORK_KINDS, "kinds_done"),
}


def _pairs(buttons: list[Any]) -> list[list[Any]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _said(err: DomainError) -> Wrong:
    """A refusal from services, said with the step's buttons again."""
    return Wrong(f"error.{err.code}", **err.params)


def ask_consent(ctx: Ctx) -> Ask:
    t = ctx.t
    about = InlineKeyboardButton(text=t("btn.menu_about"), callback_data="menu:about")
    rows = [[ctx.button(t("btn.join_consent"))], [about]]  # the explainer is outside the form
    return Ask(t("membership.privacy"), buttons=rows)


def parse_consent(ctx: Ctx, got: Input) -> bool:
    return True


def ask_name(ctx: Ctx) -> Ask:
    return Ask(ctx.t("membership.ask_name", limit=members.NAME_LIMIT))


def parse_name(ctx: Ctx, got: Input) -> str:
    return members.clean_name(got.text)


def ask_phone(ctx: Ctx) -> Ask:
    share = KeyboardButton(text=ctx.t("btn.join_share_contact"), request_contact=True)
    return Ask(ctx.t("membership.ask_phone"), reply=[[share]])


async def parse_phone(ctx: Ctx, got: Input) -> Next:
    raw = got.text
    if got.kind == "contact" and got.message is not None and got.message.contact is not None:
        contact, sender = got.message.contact, got.message.from_user
        if sender is None or contact.user_id != sender.id:
            raise Wrong("membership.contact_not_yours")
        raw = contact.phone_number
    phone = members.normalise_phone(raw)
    try:
        await members.ensure_phone_free(ctx.data["session"], phone=phone, user=ctx.data["user"])
    except DomainError as err:
        raise _said(err) from None
    return Next(phone, ctx.t("membership.phone_saved"))


def _choices(ctx: Ctx, step: str, chosen: list[str]) -> list[list[Any]]:
    prefix, values, done = MULTI[step]
    buttons = [
        ctx.button(("✅ " if v in chosen else "") + ctx.t(f"membership.{prefix}.{v}"), v)
        for v in values
    ]
    rows = _pairs(buttons)
    rows.append([ctx.button(ctx.t("btn.join_done"), action=done)])
    return rows


def ask_multi(ctx: Ctx) -> Ask:
    chosen = list(ctx.values.get(ctx.step) or [])
    return Ask(ctx.t(f"membership.ask_{ctx.step}"), buttons=_choices(ctx, ctx.step, chosen))


def parse_multi(ctx: Ctx, got: Input) -> Any:
    """A value ticked or unticked on the same message; Done goes on with at least one."""
    step = ctx.step
    _, values, done = MULTI[step]
    chosen = list(ctx.values.get(step) or [])
    if got.action == done:
        if not chosen:
            raise Wrong("membership.pick_one")
        return chosen
    if got.value not in values:
        raise Wrong("membership.stale_form")
    chosen.remove(got.value) if got.value in chosen else chosen.append(got.value)
    ask = Ask(ctx.t(f"membership.ask_{step}"), buttons=_choices(ctx, step, chosen))
    return Stay(chosen, ask, edit=True)


async def ask_zone(ctx: Ctx) -> Ask:
    zones = await members.zones(ctx.data["session"])
    rows = [[ctx.button(members.zone_name(z, ctx.t.lang), str(z.id))] for z in zones]
    share = KeyboardButton(text=ctx.t("btn.join_share_location"), request_location=True)
    return Ask(
        ctx.t("membership.ask_zone"),
        buttons=rows,
        reply=[[share]],
        reply_text=ctx.t("membership.zone_location_hint"),
    )


async def parse_zone(ctx: Ctx, got: Input) -> Next:
    session, t = ctx.data["session"], ctx.t
    try:
        if got.kind == "location" and got.message is not None and got.message.location:
            loc = got.message.location
            zone, km = await members.nearest_zone(session, lat=loc.latitude, lon=loc.longitude)
            name = members.zone_name(zone, t.lang)
            return Next(zone.id, t("membership.zone_found", zone=name, km=f"{km:.1f}"))
        zone = await members.zone_by_id(session, zone_id=int(got.value))
    except DomainError as err:
        raise _said(err) from None
    except ValueError:
        raise Wrong("membership.expect_zone") from None
    return Next(zone.id, t("membership.zone_chosen", zone=members.zone_name(zone, t.lang)))


def ask_vehicle(ctx: Ctx) -> Ask:
    t = ctx.t
    buttons = [ctx.button(t(f"membership.vehicle.{v}"), v) for v in members.VEHICLES]
    return Ask(t("membership.ask_vehicle"), buttons=_pairs(buttons))


def parse_vehicle(ctx: Ctx, got: Input) -> str:
    if got.value not in members.VEHICLES:
        raise Wrong("membership.expect_buttons")
    return got.value


def ask_referral(ctx: Ctx) -> Ask:
    """The invite's referrer (seeded from `/start ref_<code>`) kept, or skipped, or a code."""
    t, referrer = ctx.t, ctx.values.get("referral")
    rows = []
    if referrer:
        label = t("btn.join_keep_referrer", name=referrer["name"])
        rows.append([ctx.button(label, action="keep_referrer")])
    rows.append([ctx.button(t("btn.join_skip"), action="skip_referrer")])
    return Ask(t("membership.ask_referral"), buttons=rows)


async def parse_referral(ctx: Ctx, got: Input) -> Any:
    if got.action == "keep_referrer":
        return ctx.values.get("referral")
    if got.action == "skip_referrer":
        return None
    try:
        referrer = await members.find_referrer(ctx.data["session"], code=got.text)
    except DomainError as err:
        raise _said(err) from None
    name = referrer.display_name
    return Next({"id": referrer.id, "name": name}, ctx.t("membership.referral_noted", name=name))
