"""Representatives: /queue, a case's card and its actions (claim, reply, ask, note, severity,
resolve, reassign, merge), collective issues, and /bindgroup for a zone's group chat."""

from __future__ import annotations

import contextlib
import html

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.forms import cancel_flow, leave
from models import Case, CaseStatus, Severity, User
from models.cases import AttachmentKind
from services.cases import cards, collective, rider_actions
from services.cases import staff_view as case_view
from services.cases import triage as cases_triage
from services.cases.access import require_staff
from services.cases.categories import categories
from services.cases.formatting import (
    TELEGRAM_LIMIT,
    category_name,
    event_line,
    local,
    place_of,
    severity_name,
    split_text,
    status_name,
)
from services.cases.states import OPEN
from services.errors import Conflict, DomainError
from services.guides import RouteData
from services.texts import Translate

S = CaseStatus
# Actions that need a text from the representative next, and the prompt for each.
TEXT_ACTIONS = {
    "reply": "triage.ask_reply",
    "ask": "triage.ask_question",
    "note": "triage.ask_note",
    "resolve": "triage.ask_resolution",
    "merge": "triage.ask_merge",
    "link": "triage.ask_claim_ref",
}


# Refusals raised before a service writes anything: the representative may simply retype.
RETRYABLE = frozenset(
    {
        "case_ref_not_found",
        "merge_self",
        "merge_target_closed",
        "empty_description",
        "not_a_wage_claim",
    }
)


class Rc(CallbackData, prefix="rc"):
    action: str  # open, claim, reply, ask, note, resolve, merge, link, sev, reas, photos
    case_id: int


class Sev(CallbackData, prefix="sv"):
    case_id: int
    severity: str


class Reassign(CallbackData, prefix="ra"):
    case_id: int
    user_id: int


class Queue(CallbackData, prefix="q"):
    page: int = 0
    cat: str = ""
    st: str = ""
    menu: bool = False


class Co(CallbackData, prefix="co"):
    action: str  # open, raise, resolve
    collective_id: int


class RepForm(StatesGroup):
    text = State()


# --- queue -----------------------------------------------------------------------------------


async def _queue_answer(
    session: AsyncSession, user: User, t: Translate, settings: Settings, q: Queue
) -> tuple[str, InlineKeyboardMarkup]:
    page = await cases_triage.queue(
        session,
        actor=user,
        category_code=q.cat or None,
        status=S(q.st) if q.st else None,
        page=q.page,
    )
    kb = InlineKeyboardBuilder()
    lines = []
    for case in page.cases:
        flag = "⏰ " if cases_triage.overdue(case) else ""
        lines.append(
            t(
                "triage.queue_line",
                flag=flag,
                ref=case.ref,
                severity=severity_name(t.lang, case.severity.value),
                category=category_name(t.lang, case.category),
                status=status_name(t.lang, case),
                due=local(case.first_response_due_at, settings.timezone),
            )
        )
        kb.button(text=case.ref, callback_data=Rc(action="open", case_id=case.id))
    widths = [len(page.cases)] if page.cases else []
    nav = 0
    if q.page > 0:
        kb.button(text="◀️", callback_data=Queue(page=q.page - 1, cat=q.cat, st=q.st))
        nav += 1
    if q.page + 1 < page.pages:
        kb.button(text="▶️", callback_data=Queue(page=q.page + 1, cat=q.cat, st=q.st))
        nav += 1
    kb.button(text=t("btn.queue_filter"), callback_data=Queue(menu=True))
    kb.adjust(*(widths + ([nav] if nav else []) + [1]))
    filters = []
    if q.cat:
        filters.append(category_name(t.lang, q.cat))
    if q.st:
        filters.append(t(f"cases.status.{q.st}"))
    head = t(
        "triage.queue_title",
        total=page.total,
        page=page.page + 1,
        pages=page.pages,
        filters=" · ".join(filters) or t("triage.no_filter"),
    )
    body = "\n".join(lines) if lines else t("triage.queue_empty")
    return f"{head}\n\n{body}", kb.as_markup()


async def show_queue(message: Message, session: AsyncSession, user: User, t: Translate,
                     settings: Settings) -> None:  # fmt: skip
    require_staff(user)
    body, markup = await _queue_answer(session, user, t, settings, Queue())
    await message.answer(body, reply_markup=markup)


async def queue_page(query: CallbackQuery, callback_data: Queue, session: AsyncSession,
                     user: User, t: Translate, settings: Settings) -> None:  # fmt: skip
    require_staff(user)
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if callback_data.menu:
        kb = InlineKeyboardBuilder()
        for cat in categories():
            kb.button(text=cat.name(t.lang), callback_data=Queue(cat=cat.code))
        for st in sorted(OPEN, key=list(S).index):
            kb.button(text=t(f"cases.status.{st.value}"), callback_data=Queue(st=st.value))
        kb.button(text=t("triage.no_filter"), callback_data=Queue())
        kb.adjust(1)
        await query.message.answer(t("triage.choose_filter"), reply_markup=kb.as_markup())
        return
    body, markup = await _queue_answer(session, user, t, settings, callback_data)
    await query.message.answer(body, reply_markup=markup)


# --- one case --------------------------------------------------------------------------------


def _routes(settings: Settings) -> RouteData:
    """The route guide's compounds (report.py loads them; it imports this module)."""
    from bot.cases.report import route_data

    return route_data(settings, None)


def _card_keyboard(t: Translate, case: Case, attachments: int,
                   viewer: User) -> InlineKeyboardMarkup:  # fmt: skip
    kb = InlineKeyboardBuilder()
    cid = case.id or 0
    if case.status in OPEN and case.assignee_id is None:
        kb.button(text=t("btn.case_claim"), callback_data=Rc(action="claim", case_id=cid))
    if case.status in OPEN or case.status is S.resolved:
        kb.button(text=t("btn.case_reply"), callback_data=Rc(action="reply", case_id=cid))
    if case.status in OPEN:
        kb.button(text=t("btn.case_ask"), callback_data=Rc(action="ask", case_id=cid))
    kb.button(text=t("btn.case_note"), callback_data=Rc(action="note", case_id=cid))
    if case.status in OPEN:
        kb.button(text=t("btn.case_severity"), callback_data=Rc(action="sev", case_id=cid))
        kb.button(text=t("btn.case_resolve"), callback_data=Rc(action="resolve", case_id=cid))
        kb.button(text=t("btn.case_reassign"), callback_data=Rc(action="reas", case_id=cid))
        kb.button(text=t("btn.case_merge"), callback_data=Rc(action="merge", case_id=cid))
    if case.category != "wage_arrears":
        kb.button(text=t("btn.case_link_claim"), callback_data=Rc(action="link", case_id=cid))
    if attachments:
        label = t("btn.case_photos", count=attachments)
        kb.button(text=label, callback_data=Rc(action="photos", case_id=cid))
    if case.lat is not None and case.lon is not None:
        kb.button(text=t("btn.case_pin"), callback_data=Rc(action="pin", case_id=cid))
    if case.assignee_id == viewer.id and case.status not in (S.closed, S.merged):
        # The rider's phone: only for the one who has the case, and each look is recorded.
        kb.button(text=t("btn.case_phone"), callback_data=Rc(action="phone", case_id=cid))
    kb.adjust(2)
    return kb.as_markup()


async def _card(session: AsyncSession, case: Case, viewer: User, t: Translate,
                settings: Settings) -> tuple[str, str, str, InlineKeyboardMarkup]:  # fmt: skip
    rider = await case_view.rider_of(session, case=case, lang=t.lang)
    assignee = await session.get(User, case.assignee_id) if case.assignee_id else None
    spot = case_view.spot_of(_routes(settings), lat=case.lat, lon=case.lon)
    place = place_of(t.lang, case)
    counts = await cases_triage.case_counts(session, case=case)
    head = t(
        "triage.card",
        ref=case.ref,
        category=category_name(t.lang, case.category),
        severity=severity_name(t.lang, case.severity.value),
        status=status_name(t.lang, case),
        reporter=(f"{rider.name} · {rider.number}" if rider.number else rider.name)
        if rider
        else "—",
        anonymous=t("triage.anonymous_note") if case.anonymous else "",
        assignee=assignee.display_name if assignee else t("triage.unassigned"),
        place=place if spot is None or spot.compound in place else f"{spot.name(t.lang)} ({place})",
        created=local(case.created_at, settings.timezone),
        due=local(case.first_response_due_at, settings.timezone),
    )
    if cases_triage.overdue(case):
        head += "\n" + t("triage.overdue")
    if case.collective_id:
        head += "\n" + t("triage.in_collective", id=case.collective_id)
    if counts["merged"]:
        head += "\n" + t("triage.merged_here", count=counts["merged"])
    events = await rider_actions.history(session, case=case, public_only=False)
    lines = [event_line(t.lang, e, viewer=viewer, actor=a, tz=settings.timezone)
             + ("" if e.public else " 🔒") for e, a in events]  # fmt: skip
    return (
        head,
        case.summary or "🎤",
        "\n".join(lines),
        _card_keyboard(t, case, counts["attachments"], viewer),
    )


async def _send_card(bot: Bot, chat_id: int, session: AsyncSession, case: Case, viewer: User,
                     t: Translate, settings: Settings) -> None:  # fmt: skip
    """Header, then the rider's description as plain text (kept whole, split at Telegram's
    limit), then the history with the action buttons."""
    head, description, history, markup = await _card(session, case, viewer, t, settings)
    whole = _whole(t, head, description, history)
    if len(whole) <= TELEGRAM_LIMIT:  # the usual case: one message
        await bot.send_message(chat_id, whole, reply_markup=markup)
        return
    await bot.send_message(chat_id, head + "\n\n" + t("triage.description"))
    for piece in split_text(description):
        await bot.send_message(chat_id, piece, parse_mode=None)
    pieces = split_text(history or t("triage.no_history"))
    for i, piece in enumerate(pieces):
        await bot.send_message(
            chat_id, piece, reply_markup=markup if i == len(pieces) - 1 else None
        )


def _whole(t: Translate, head: str, description: str, history: str) -> str:
    return "\n\n".join(
        [head, t("triage.description") + "\n" + html.escape(description, quote=False), history]
    )


def _is_card(message: Message) -> bool:
    """A case card (rather than a notice): its buttons include the internal note."""
    rows = message.reply_markup.inline_keyboard if message.reply_markup else []
    return any((b.callback_data or "").startswith("rc:note:") for row in rows for b in row)


async def _refresh(bot: Bot, chat_id: int, message_id: int, *, session: AsyncSession, case: Case,
                   viewer: User, t: Translate, settings: Settings) -> None:  # fmt: skip
    """Show the case as it is now in a card of this chat (only its buttons, when the card
    spans several messages). New-case notices are not edited here: every change queues their
    edit through the outbox (services/cards.py), which reaches every copy."""
    head, description, history, markup = await _card(session, case, viewer, t, settings)
    whole = _whole(t, head, description, history)
    with contextlib.suppress(TelegramBadRequest):  # unchanged, or deleted meanwhile
        if len(whole) <= TELEGRAM_LIMIT:
            await bot.edit_message_text(
                whole, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        else:
            await bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=markup
            )


async def _refresh_tapped(query: CallbackQuery, bot: Bot, session: AsyncSession, case: Case,
                          viewer: User, t: Translate, settings: Settings) -> None:  # fmt: skip
    if isinstance(query.message, Message) and _is_card(query.message):
        await _refresh(
            bot, query.message.chat.id, query.message.message_id, session=session, case=case,
            viewer=viewer, t=t, settings=settings,
        )  # fmt: skip


async def open_case(query: CallbackQuery, callback_data: Rc, bot: Bot, session: AsyncSession,
                    user: User, t: Translate, settings: Settings) -> None:  # fmt: skip
    case = await cases_triage.staff_view(session, case_id=callback_data.case_id, actor=user)
    private = query.message is not None and query.message.chat.type == "private"
    # Pressed in the zone's group: the card (with the reporter's name) goes to the rep only.
    await query.answer(None if private else t("triage.sent_privately"))
    await _send_card(bot, user.telegram_id or 0, session, case, user, t, settings)


async def claim(query: CallbackQuery, callback_data: Rc, bot: Bot, session: AsyncSession,
                user: User, t: Translate, settings: Settings) -> None:  # fmt: skip
    try:
        case = await cases_triage.claim(session, case_id=callback_data.case_id, actor=user)
    except Conflict as exc:
        if exc.code not in ("already_claimed", "already_yours", "case_not_open"):
            raise
        # A button from before the change: say what happened and show the case as it is.
        case = await cases_triage.staff_view(session, case_id=callback_data.case_id, actor=user)
        why = await cards.why_not_taken(
            session, case=case, viewer=user, lang=t.lang, tz=settings.timezone
        )
        await _refresh_tapped(query, bot, session, case, user, t, settings)
        await query.answer(why, show_alert=True)
        return
    await _refresh_tapped(query, bot, session, case, user, t, settings)
    await query.answer(t("triage.claimed", ref=case.ref), show_alert=False)
    if query.message is not None and query.message.chat.type != "private":
        await query.message.answer(t("triage.claimed_in_group", ref=case.ref,
                                     name=user.display_name))  # fmt: skip


async def ask_text(query: CallbackQuery, callback_data: Rc, bot: Bot, session: AsyncSession,
                   user: User, t: Translate, state: FSMContext) -> None:  # fmt: skip
    case = await cases_triage.staff_view(session, case_id=callback_data.case_id, actor=user)
    await state.set_state(RepForm.text)
    # The card the action came from is refreshed once the text is in.
    card = query.message.message_id if isinstance(query.message, Message) and _is_card(
        query.message) else None  # fmt: skip
    await state.update_data(action=callback_data.action, case_id=case.id, card=card)
    await query.answer()
    await bot.send_message(
        user.telegram_id or 0, t(TEXT_ACTIONS[callback_data.action], ref=case.ref)
    )


async def text_given(message: Message, bot: Bot, session: AsyncSession, user: User, t: Translate,
                     state: FSMContext, settings: Settings) -> None:  # fmt: skip
    data = await state.get_data()
    action, case_id, body = data["action"], int(data["case_id"]), message.text or ""
    await leave(state)
    try:
        case = await _apply_text(session, user, action, case_id, body)
    except DomainError as exc:
        if exc.code in RETRYABLE:  # let them retype (needed when the FSM lives in Redis)
            await state.set_state(RepForm.text)
            await state.set_data(data)
        raise
    await message.answer(t(f"triage.done_{action}", ref=case.ref))
    if data.get("card"):
        await _refresh(
            bot, message.chat.id, int(data["card"]), session=session, case=case, viewer=user,
            t=t, settings=settings,
        )  # fmt: skip


async def _apply_text(session: AsyncSession, user: User, action: str, case_id: int,
                      body: str) -> Case:  # fmt: skip
    if action == "reply":
        return await cases_triage.reply(session, case_id=case_id, actor=user, message=body)
    if action == "ask":
        return await cases_triage.ask_rider(session, case_id=case_id, actor=user, question=body)
    if action == "note":
        return await cases_triage.note(session, case_id=case_id, actor=user, message=body)
    if action == "resolve":
        text_ = "" if body.strip() == "-" else body
        return await cases_triage.resolve(session, case_id=case_id, actor=user, message=text_)
    if action == "link":
        return await cases_triage.link_wage_claim(
            session, case_id=case_id, actor=user, claim_ref=body.strip()
        )
    return await cases_triage.merge(session, case_id=case_id, actor=user, into_ref=body)


async def text_expected(message: Message, t: Translate) -> None:
    await message.answer(t("triage.text_expected"))


async def choose_severity(query: CallbackQuery, callback_data: Rc, session: AsyncSession,
                          user: User, t: Translate) -> None:  # fmt: skip
    case = await cases_triage.staff_view(session, case_id=callback_data.case_id, actor=user)
    await query.answer()
    kb = InlineKeyboardBuilder()
    for sev in Severity:
        kb.button(text=severity_name(t.lang, sev.value),
                  callback_data=Sev(case_id=case.id or 0, severity=sev.value))  # fmt: skip
    kb.adjust(2)
    if isinstance(query.message, Message):
        await query.message.answer(t("triage.choose_severity", ref=case.ref),
                                   reply_markup=kb.as_markup())  # fmt: skip


async def severity_chosen(query: CallbackQuery, callback_data: Sev, session: AsyncSession,
                          user: User, t: Translate) -> None:  # fmt: skip
    case = await cases_triage.change_severity(
        session,
        case_id=callback_data.case_id,
        actor=user,
        severity=Severity(callback_data.severity),
    )
    await query.answer(t("triage.severity_set", ref=case.ref,
                         severity=severity_name(t.lang, case.severity.value)))  # fmt: skip


async def choose_colleague(query: CallbackQuery, callback_data: Rc, session: AsyncSession,
                           user: User, t: Translate) -> None:  # fmt: skip
    case = await cases_triage.staff_view(session, case_id=callback_data.case_id, actor=user)
    await query.answer()
    kb = InlineKeyboardBuilder()
    for rep in await cases_triage.colleagues(session, case=case, actor=user):
        kb.button(text=rep.display_name or str(rep.id),
                  callback_data=Reassign(case_id=case.id or 0, user_id=rep.id or 0))  # fmt: skip
    kb.adjust(1)
    if isinstance(query.message, Message):
        await query.message.answer(t("triage.choose_colleague", ref=case.ref),
                                   reply_markup=kb.as_markup())  # fmt: skip


async def reassigned(query: CallbackQuery, callback_data: Reassign, session: AsyncSession,
                     user: User, t: Translate) -> None:  # fmt: skip
    case = await cases_triage.reassign(
        session, case_id=callback_data.case_id, actor=user, to_user_id=callback_data.user_id
    )
    await query.answer(t("triage.reassigned", ref=case.ref))


async def photos(query: CallbackQuery, callback_data: Rc, bot: Bot, session: AsyncSession,
                 user: User) -> None:  # fmt: skip
    case = await cases_triage.staff_view(session, case_id=callback_data.case_id, actor=user)
    await query.answer()
    for item in await cases_triage.attachments(session, case=case):
        if item.file_id is None:
            continue
        if item.kind is AttachmentKind.voice:
            await bot.send_voice(user.telegram_id or 0, item.file_id, caption=case.ref)
        else:
            await bot.send_photo(user.telegram_id or 0, item.file_id, caption=case.ref)


async def pin(query: CallbackQuery, callback_data: Rc, bot: Bot, session: AsyncSession,
              user: User, t: Translate, settings: Settings) -> None:  # fmt: skip
    """The case's place as a pin (a venue named by its compound, when it lies in one)."""
    case = await cases_triage.staff_view(session, case_id=callback_data.case_id, actor=user)
    if case.lat is None or case.lon is None:
        await query.answer(t("chat.no_place", ref=case.ref), show_alert=True)
        return
    await query.answer()
    spot = case_view.spot_of(_routes(settings), lat=case.lat, lon=case.lon)
    chat = user.telegram_id or 0
    if spot is None:
        await bot.send_location(chat, case.lat, case.lon)
        return
    await bot.send_venue(chat, case.lat, case.lon, title=spot.name(t.lang),
                         address=f"{case.ref} · {place_of(t.lang, case)}")  # fmt: skip


async def phone(query: CallbackQuery, callback_data: Rc, bot: Bot, session: AsyncSession,
                user: User, t: Translate) -> None:  # fmt: skip
    case, number = await case_view.rider_phone(session, case_id=callback_data.case_id, actor=user)
    rider = await case_view.rider_of(session, case=case, lang=t.lang)
    await query.answer()
    await bot.send_message(
        user.telegram_id or 0,
        t("chat.rider_phone", ref=case.ref, name=rider.name if rider else "—", phone=number),
    )


# --- collective issues -----------------------------------------------------------------------


def _collective_text(t: Translate, s: collective.CollectiveSummary, tz: str) -> str:
    return t(
        "triage.collective",
        id=s.issue.id,
        category=category_name(t.lang, s.issue.category),
        riders=s.riders,
        cases=s.cases,
        first=local(s.first_at, tz),
        last=local(s.last_at, tz),
        place=s.issue.place or f"{s.issue.lat:.5f}, {s.issue.lon:.5f}",
        status=t(f"triage.collective_status.{s.issue.status.value}"),
    )


async def list_collectives(message: Message, session: AsyncSession, user: User, t: Translate,
                           settings: Settings) -> None:  # fmt: skip
    found = await collective.list_collectives(session, actor=user)
    if not found:
        await message.answer(t("triage.no_collectives"))
        return
    for s in found:
        kb = InlineKeyboardBuilder()
        if s.issue.status.value == "open":
            kb.button(text=t("btn.collective_raise"),
                      callback_data=Co(action="raise", collective_id=s.issue.id or 0))  # fmt: skip
        kb.button(text=t("btn.collective_resolve"),
                  callback_data=Co(action="resolve", collective_id=s.issue.id or 0))  # fmt: skip
        await message.answer(_collective_text(t, s, settings.timezone), reply_markup=kb.as_markup())


async def collective_action(query: CallbackQuery, callback_data: Co, session: AsyncSession,
                            user: User, t: Translate, settings: Settings) -> None:  # fmt: skip
    if callback_data.action == "raise":
        s = await collective.raise_collective(
            session, collective_id=callback_data.collective_id, actor=user
        )
    else:
        s = await collective.resolve_collective(
            session, collective_id=callback_data.collective_id, actor=user
        )
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(_collective_text(t, s, settings.timezone))


# --- the zone's group ------------------------------------------------------------------------


async def bind_group(message: Message, command: CommandObject, bot: Bot, session: AsyncSession,
                     user: User, t: Translate) -> None:  # fmt: skip
    code = (command.args or "").strip()
    if not code:
        await message.answer(t("triage.bindgroup_usage"))
        return
    member = await bot.get_chat_member(message.chat.id, user.telegram_id or 0)
    zone = await cases_triage.bind_zone_group(
        session,
        actor=user,
        zone_code=code,
        chat_id=message.chat.id,
        chat_admin=member.status in ("creator", "administrator"),
    )
    name = zone.name_en if t.lang == "en" else zone.name_zh
    await message.answer(t("triage.bindgroup_done", zone=name))


async def bind_in_private(message: Message, t: Translate) -> None:
    await message.answer(t("triage.bindgroup_in_group"))


def make_router() -> Router:
    router = Router(name="triage")
    groups = F.chat.type.in_({"group", "supergroup"})
    router.message.register(bind_group, Command("bindgroup"), groups)
    router.message.register(bind_in_private, Command("bindgroup"))
    private = F.chat.type == "private"
    router.message.register(show_queue, Command("queue"), private)
    router.message.register(list_collectives, Command("collective"), private)
    router.callback_query.register(queue_page, Queue.filter())
    router.callback_query.register(open_case, Rc.filter(F.action == "open"))
    router.callback_query.register(claim, Rc.filter(F.action == "claim"))
    router.callback_query.register(ask_text, Rc.filter(F.action.in_(set(TEXT_ACTIONS))))
    router.callback_query.register(choose_severity, Rc.filter(F.action == "sev"))
    router.callback_query.register(severity_chosen, Sev.filter())
    router.callback_query.register(choose_colleague, Rc.filter(F.action == "reas"))
    router.callback_query.register(reassigned, Reassign.filter())
    router.callback_query.register(photos, Rc.filter(F.action == "photos"))
    router.callback_query.register(pin, Rc.filter(F.action == "pin"))
    router.callback_query.register(phone, Rc.filter(F.action == "phone"))
    router.callback_query.register(collective_action, Co.filter())
    router.message.register(cancel_flow, Command("cancel"), StateFilter(RepForm))
    router.message.register(text_given, RepForm.text, private, F.text & ~F.text.startswith("/"))
    router.message.register(text_expected, RepForm.text, private, ~F.text.startswith("/"))
    return router
