"""Commands around the role: /zoneissues for activists; /activists (with an "end role"
button that asks for the sentence to the activist) and /relay for representatives; the
activists' line of /recruits."""

from __future__ import annotations

from typing import Any

from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.activists.callbacks import ActivistCb
from bot.common.presses import shown
from bot.forms import Ask, Ctx, Done, Form, Input, Step
from models import User, Zone
from models.activists import END_NOTE_MAX, ActivistStatus
from services.activists import counts, relay, volunteering, zone_issues
from services.activists.volunteering import clean_text
from services.cases.access import require_staff, staff_zone_ids
from services.cases.formatting import category_name
from services.errors import Conflict, Forbidden
from services.membership.applications import can_decide
from services.membership.members import zone_name
from services.texts import Raw, Translate


def ask_note(ctx: Ctx) -> Ask:
    return Ask(ctx.t("activists.ask_end_note", name=ctx.values["name"]))


def parse_note(ctx: Ctx, got: Input) -> str:  # Invalid is explained by the engine
    return clean_text(
        got.text,
        limit=END_NOTE_MAX,
        empty="activist_end_note_empty",
        too_long="activist_text_too_long",
    )


def end_summary(ctx: Ctx) -> Ask:
    return Ask(ctx.t("activists.end_summary", name=ctx.values["name"], note=ctx.values["note"]))


async def end_submit(ctx: Ctx) -> Done:
    a = await volunteering.end_role(
        ctx.data["session"],
        activist_id=int(ctx.values["activist"]),
        actor=ctx.data["user"],
        note=ctx.values["note"],
    )
    return Done(a.id, ctx.t("activists.ended", name=ctx.values["name"]))  # type: ignore[arg-type]


async def end_repeated(ctx: Ctx, created_id: int) -> str:
    return ctx.t("error.activist_not_active")


END_ROLE = Form(
    "endrole",
    prefix="er",
    title="activists.end_title",
    steps=[Step("note", ask_note, accepts=("text",), parse=parse_note,
                wrong="activists.end_note_expected")],
    summary=end_summary,
    submit=end_submit,
    repeated=end_repeated,
    submit_label="btn.activist_end_submit",
)  # fmt: skip


async def zone_issues_command(
    message: Message, session: AsyncSession, user: User, t: Translate
) -> None:
    agenda = await zone_issues.activist_agenda(session, user=user)
    zone = await session.get(Zone, agenda.zone_id)
    none = t("activists.none")
    issues = [
        t(
            "activists.issue_line",
            category=category_name(t.lang, i.category),
            place=i.place or "—",
            reports=i.reports,
            riders=i.riders,
            status=t(f"activists.issue_status.{i.status}"),
        )
        for i in agenda.issues
    ]
    cases = [
        t("activists.category_line", category=category_name(t.lang, code), n=n)
        for code, n in agenda.open_by_category.items()
    ]
    await message.answer(
        t(
            "activists.zoneissues",
            zone=zone_name(zone, t.lang),
            issues=Raw("\n".join(issues) or none),
            cases=Raw("\n".join(cases) or none),
        )
    )


async def activists_command(
    message: Message, session: AsyncSession, user: User, t: Translate
) -> None:
    zones = await staff_zone_ids(session, user=user)
    rows = await volunteering.in_zones(session, zones=zones, statuses=(ActivistStatus.active,))
    if not rows:
        await message.answer(t("activists.list_none"))
        return
    kb = InlineKeyboardBuilder()
    lines = []
    for r in rows:
        lines.append(
            t(
                "activists.list_line",
                name=r.user.display_name,
                zone=zone_name(r.zone, t.lang),
                groups=r.activist.groups or "—",
            )
        )
        kb.button(
            text=t("btn.activist_end", name=r.user.display_name),
            callback_data=ActivistCb(act="e", id=r.activist.id),  # type: ignore[arg-type]
        )
    kb.adjust(1)
    await message.answer(
        t("activists.list", n=len(rows), lines=Raw("\n".join(lines))), reply_markup=kb.as_markup()
    )


async def end_pressed(
    query: CallbackQuery,
    callback_data: ActivistCb,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    t: Translate,
    **data: Any,
) -> None:
    """The "end role" button of /activists: a short form for the sentence to the activist."""
    a = await volunteering.get_offer(session, activist_id=callback_data.id)
    if not await can_decide(session, actor=user, zone_id=a.zone_id):
        raise Forbidden("activist_not_your_zone")
    if a.status is not ActivistStatus.active:
        raise Conflict("activist_not_active")
    person = await session.get(User, a.user_id)
    if (message := shown(query)) is not None:
        await END_ROLE.drop(state)  # another activist's unfinished note is not this one
        values = {"activist": a.id, "name": person.display_name if person else "—"}
        await END_ROLE.open(message, state, t, values=values, session=session, user=user, **data)


async def relay_command(
    message: Message, command: CommandObject, session: AsyncSession, user: User, t: Translate
) -> None:
    require_staff(user)
    if not (command.args or "").strip():
        await message.answer(t("activists.relay_usage"))
        return
    n = await relay.relay_notice(session, actor=user, notice=command.args or "")
    await message.answer(t("activists.relayed", n=n))


async def recruits_line(session: AsyncSession, *, user: User, t: Translate) -> str:
    """What /recruits adds: activists the representative confirmed, and per zone."""
    zones = await staff_zone_ids(session, user=user)
    lines = [
        t("activists.zone_line", zone=zone_name(z, t.lang), n=n)
        for z, n in await counts.per_zone(session, zones=zones)
    ]
    return t(
        "activists.recruits",
        n=await counts.confirmed_by(session, rep=user),
        lines=Raw("\n".join(lines) or t("activists.none")),
    )
