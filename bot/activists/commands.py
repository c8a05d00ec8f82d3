"""Commands around the role: /zoneissues for activists; /activists (with an "end role"
button that asks for the sentence to the activist) and /relay for representatives; the
activists' line of /recruits."""

from __future__ import annotations

from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.activists.callbacks import ActivistCb
from bot.errors import explain
from models import User, Zone
from models.activists import ActivistStatus
from services.activists import counts, relay, volunteering, zone_issues
from services.cases.access import require_staff, staff_zone_ids
from services.cases.formatting import category_name
from services.errors import DomainError, Forbidden
from services.membership.applications import can_decide
from services.membership.members import zone_name
from services.texts import Raw, Translate


class EndRole(StatesGroup):
    note = State()


async def zone_issues_command(
    message: Message, session: AsyncSession, user: User, t: Translate
) -> None:
    agenda = await zone_issues.activist_agenda(session, user=user)
    zone = await session.get(Zone, agenda.zone_id)
    none = t("activists.none")
    issues = [
        t("activists.issue_line", category=category_name(t.lang, i.category), place=i.place or "—",
          reports=i.reports, riders=i.riders, status=t(f"activists.issue_status.{i.status}"))
        for i in agenda.issues
    ]  # fmt: skip
    cases = [
        t("activists.category_line", category=category_name(t.lang, code), n=n)
        for code, n in agenda.open_by_category.items()
    ]
    await message.answer(
        t("activists.zoneissues", zone=zone_name(zone, t.lang),
          issues=Raw("\n".join(issues) or none), cases=Raw("\n".join(cases) or none))
    )  # fmt: skip


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
            t("activists.list_line", name=r.user.display_name,
              zone=zone_name(r.zone, t.lang), groups=r.activist.groups or "—")
        )  # fmt: skip
        kb.button(
            text=t("btn.activist_end", name=r.user.display_name),
            callback_data=ActivistCb(act="e", id=r.activist.id),  # type: ignore[arg-type]
        )
    kb.adjust(1)
    await message.answer(
        t("activists.list", n=len(rows), lines=Raw("\n".join(lines))), reply_markup=kb.as_markup()
    )


async def end_pressed(
    query: CallbackQuery, callback_data: ActivistCb, session: AsyncSession, user: User,
    state: FSMContext, t: Translate,
) -> None:  # fmt: skip
    a = await volunteering.get_offer(session, activist_id=callback_data.id)
    if not await can_decide(session, actor=user, zone_id=a.zone_id):
        raise Forbidden("activist_not_your_zone")
    person = await session.get(User, a.user_id)
    name = person.display_name if person else "—"
    await state.set_state(EndRole.note)
    await state.update_data(end_activist_id=a.id, end_activist_name=name)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(t("activists.ask_end_note", name=name))


async def end_note_typed(
    message: Message, session: AsyncSession, user: User, state: FSMContext, t: Translate
) -> None:
    data = await state.get_data()
    try:
        await volunteering.end_role(
            session, activist_id=int(data["end_activist_id"]), actor=user, note=message.text or ""
        )
    except DomainError as err:
        await message.answer(explain(t, err))
        if err.code != "activist_end_note_empty" and err.code != "activist_text_too_long":
            await state.set_state(None)
        return
    await state.set_state(None)
    await message.answer(t("activists.ended", name=data.get("end_activist_name", "")))


async def end_note_expected(message: Message, state: FSMContext, t: Translate) -> None:
    data = await state.get_data()
    await message.answer(t("activists.ask_end_note", name=data.get("end_activist_name", "")))


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
