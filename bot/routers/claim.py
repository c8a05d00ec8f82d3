"""Wage-arrears claims in chat: `/claim` (the rider's form), `/claims` (the rider's claims or a
representative's zone queue), a claim card with the moves a viewer may make, the summary PDF,
and `/claimtotals` for representatives.

The form is an aiogram FSM; its answers live under one key ("wf") of the FSM data, kept in
the database, so a half-filled claim survives a restart. Every step answers the wrong kind of
message with what to send instead. Rules and refusals come from services/claims.py.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.confirmation import confirm_submit
from bot.keyboards import done_with, join_offer_keyboard
from models import Case, User
from models.claims import ClaimStage, CounterpartyKind, Disclosure, WageClaim, WorkRelation
from services import submissions
from services.cases.access import is_staff
from services.claims import filing, groups, progress, reading, rules
from services.claims.dates import parse_date
from services.claims.deadline import RESTART_REASONS, claim_deadline
from services.claims.money import parse_amount, yuan
from services.claims.pdf import claim_summary_pdf, timeline_text
from services.errors import Forbidden
from services.local_time import local_date
from services.membership.members import active_membership
from services.texts import Raw, Translate

# Chat dates as riders live them; the PDF takes the configured zone.


class ClaimForm(StatesGroup):
    cp_kind = State()
    cp_name = State()
    relation = State()
    amount = State()
    start = State()
    end = State()
    orders = State()
    work = State()
    ended = State()
    knew = State()
    evidence = State()
    evidence_item = State()
    disclosure = State()
    summary = State()


class ClaimWork(StatesGroup):
    """Steps on a filed claim: evidence added later, a recovery, a restarting event."""

    evidence = State()
    evidence_item = State()
    recovery_amount = State()
    recovery_date = State()
    restart_date = State()


STEPS = [
    ClaimForm.cp_kind, ClaimForm.cp_name, ClaimForm.relation, ClaimForm.amount, ClaimForm.start,
    ClaimForm.end, ClaimForm.orders, ClaimForm.work, ClaimForm.ended, ClaimForm.knew,
    ClaimForm.evidence, ClaimForm.disclosure, ClaimForm.summary,
]  # fmt: skip


class Cf(CallbackData, prefix="wf"):
    act: str
    val: str = ""


class Wc(CallbackData, prefix="wc"):
    # o open, s stage, r recovery, d/dr restart, g same counterparty, j join, p pdf, e evidence
    act: str
    id: int
    val: str = ""


class Wt(CallbackData, prefix="wt"):
    by: str


def _today(settings: Settings) -> date:
    return datetime.now(settings.zone).date()


async def _form(state: FSMContext) -> dict[str, Any]:
    return dict((await state.get_data()).get("wf") or {})


async def _save(state: FSMContext, **values: Any) -> dict[str, Any]:
    form = await _form(state)
    form.update(values)
    await state.update_data(wf=form)
    return form


async def _clear(state: FSMContext) -> None:
    data = await state.get_data()
    await state.set_state(None)
    await state.set_data({k: v for k, v in data.items() if k != "wf"})


def _nav(kb: InlineKeyboardBuilder, t: Translate, *, back: bool = True) -> None:
    if back:
        kb.button(text=t("btn.claim_back"), callback_data=Cf(act="back"))
    kb.button(text=t("btn.claim_cancel"), callback_data=Cf(act="cancel"))


def _choices(t: Translate, act: str, prefix: str, values: list[str]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for v in values:
        kb.button(text=t(f"claims.{prefix}.{v}"), callback_data=Cf(act=act, val=v))
    _nav(kb, t, back=act != "cp")
    kb.adjust(*([1] * len(values)), 2)
    return kb.as_markup()


def _nav_only(t: Translate, *extra: tuple[str, str]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for label, act in extra:
        kb.button(text=t(label), callback_data=Cf(act=act))
    _nav(kb, t)
    kb.adjust(*([1] * len(extra)), 2)
    return kb.as_markup()


# --- asking each step ----------------------------------------------------------------------


async def _ask(
    message: Message, state: FSMContext, t: Translate, step: State, note: str = ""
) -> None:
    """Moves the form to `step` and asks its question; `note` (what was just noted) leads
    the same message, so each answer is one message and a quick rider meets no flood limit."""
    await state.set_state(step)

    async def say(body: str, reply_markup: InlineKeyboardMarkup) -> None:
        await message.answer(f"{note}\n\n{body}" if note else body, reply_markup=reply_markup)

    form = await _form(state)
    if step == ClaimForm.cp_kind:
        markup = _choices(t, "cp", "cp", [k.value for k in CounterpartyKind])
        await say(t("claims.ask_cp_kind"), reply_markup=markup)
    elif step == ClaimForm.cp_name:
        kind = t(f"claims.cp.{form['cp_kind']}")
        await say(t("claims.ask_cp_name", kind=kind), reply_markup=_nav_only(t))
    elif step == ClaimForm.relation:
        markup = _choices(t, "rel", "rel", [r.value for r in WorkRelation])
        await say(t("claims.ask_relation"), reply_markup=markup)
    elif step == ClaimForm.amount:
        await say(t("claims.ask_amount"), reply_markup=_nav_only(t))
    elif step == ClaimForm.start:
        await say(t("claims.ask_start"), reply_markup=_nav_only(t))
    elif step == ClaimForm.end:
        markup = _nav_only(t, ("btn.claim_same_day", "same"))
        await say(t("claims.ask_end", start=form["start"]), reply_markup=markup)
    elif step == ClaimForm.orders:
        markup = _nav_only(t, ("btn.claim_skip", "noorders"))
        await say(t("claims.ask_orders"), reply_markup=markup)
    elif step == ClaimForm.work:
        markup = _choices(t, "work", "work", ["ongoing", "ended"])
        await say(t("claims.ask_work"), reply_markup=markup)
    elif step == ClaimForm.ended:
        await say(t("claims.ask_ended"), reply_markup=_nav_only(t))
    elif step == ClaimForm.knew:
        await say(t("claims.ask_knew"), reply_markup=_nav_only(t))
    elif step == ClaimForm.evidence:
        await _checklist(message, t, form, claim_id=None, note=note)
    elif step == ClaimForm.disclosure:
        markup = _choices(t, "disc", "disc", [d.value for d in Disclosure])
        await say(t("claims.ask_disclosure"), reply_markup=markup)
    else:
        # The draft's submission key rides on its Submit button (see submit).
        form = await _save(state, submit_key=form.get("submit_key") or submissions.new_key())
        await _summary(message, t, form)  # its own header


async def _next(
    message: Message, state: FSMContext, t: Translate, current: State, note: str = ""
) -> None:
    form = await _form(state)
    nxt = STEPS[STEPS.index(current) + 1]
    if nxt == ClaimForm.ended and form.get("work") == "ongoing":
        nxt = ClaimForm.knew
    await _ask(message, state, t, nxt, note)


def _item_status(t: Translate, item: str, files: int, skipped: bool) -> str:
    if files:
        return t("claims.ev_have", item=rules.item_name(t.lang, item), count=files)
    if skipped:
        return t("claims.ev_skipped", item=rules.item_name(t.lang, item))
    return t("claims.ev_missing", item=rules.item_name(t.lang, item))


async def _checklist(
    message: Message,
    t: Translate,
    form: dict[str, Any],
    *,
    claim_id: int | None,
    counts: dict[str, int] | None = None,
    note: str = "",
) -> None:
    """The checklist for the relation: what was sent, skipped and is still missing."""
    items = rules.checklist(form["relation"])
    if counts is None:
        counts = {i: sum(1 for e in form.get("evidence", []) if e["item"] == i) for i in items}
    skipped = set(form.get("skipped", []))
    lines = "\n".join(_item_status(t, i, counts.get(i, 0), i in skipped) for i in items)
    kb = InlineKeyboardBuilder()
    for i in items:
        kb.button(text=rules.item_name(t.lang, i), callback_data=Cf(act="ev", val=i))
    kb.button(text=t("btn.claim_evidence_done"), callback_data=Cf(act="evdone"))
    if claim_id is None:
        _nav(kb, t)
    kb.adjust(*([1] * (len(items) + 1)), 2)
    body = t("claims.checklist", items=Raw(lines), relation=t(f"claims.rel.{form['relation']}"))
    await message.answer(
        f"{note}\n\n{body}" if note else body,
        reply_markup=kb.as_markup(),
    )


def _deadline_line(t: Translate, form: dict[str, Any]) -> str:
    d = claim_deadline(
        knew_on=date.fromisoformat(form["knew"]),
        work_ongoing=form.get("work") == "ongoing",
        work_ended_on=date.fromisoformat(form["ended"]) if form.get("ended") else None,
    )
    if d.last_day is None:
        return t("claims.deadline.ongoing")
    return t(f"claims.deadline.{d.basis}", deadline=d.last_day.isoformat(), start=str(d.runs_from))


async def _summary(message: Message, t: Translate, form: dict[str, Any]) -> None:
    items = rules.checklist(form["relation"])
    have = {e["item"] for e in form.get("evidence", [])}
    missing = [rules.item_name(t.lang, i) for i in items if i not in have]
    work = (
        t("claims.pdf.work_ongoing")
        if form.get("work") == "ongoing"
        else t("claims.pdf.work_ended", on=form.get("ended", "—"))
    )
    body = t(
        "claims.summary",
        kind=t(f"claims.cp.{form['cp_kind']}"),
        name=form["cp_name"],
        relation=t(f"claims.rel.{form['relation']}"),
        amount=yuan(form["amount"]),
        start=form["start"],
        end=form["end"],
        orders=form.get("orders") or "—",
        work=work,
        knew=form["knew"],
        evidence=len(form.get("evidence", [])),
        missing=", ".join(missing) or "—",
        disclosure=t(f"claims.disc.{form['disclosure']}"),
        deadline=Raw(_deadline_line(t, form)),  # catalogue HTML: bold stays bold
    )
    kb = InlineKeyboardBuilder()
    kb.button(
        text=t("btn.claim_submit"), callback_data=Cf(act="submit", val=form.get("submit_key", ""))
    )
    _nav(kb, t)
    kb.adjust(1, 2)
    await message.answer(body, reply_markup=kb.as_markup())


# --- starting, leaving -------------------------------------------------------------------------


async def _start(
    message: Message, user: User, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    assert user.id is not None
    if await active_membership(session, user_id=user.id) is None:
        await message.answer(t("claims.not_member"), reply_markup=join_offer_keyboard(t))
        return
    current = await state.get_state()
    step = next((s for s in [*STEPS, ClaimForm.evidence_item] if s.state == current), None)
    if step is not None:
        await message.answer(t("claims.resume"))
        await _ask(
            message, state, t, ClaimForm.evidence if step == ClaimForm.evidence_item else step
        )
        return
    await state.update_data(wf={})
    await _ask(message, state, t, ClaimForm.cp_kind, t("claims.intro"))


async def claim_command(
    message: Message, user: User, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    await _start(message, user, state, session, t)


async def claim_pressed(
    query: CallbackQuery, user: User, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await _start(query.message, user, state, session, t)


async def cancel(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    message = await done_with(query)
    await _clear(state)
    await message.answer(t("claims.cancelled"))


async def back(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    message = await done_with(query)
    current = await state.get_state()
    if current == ClaimForm.evidence_item.state:
        await _ask(message, state, t, ClaimForm.evidence)
        return
    step = next(s for s in STEPS if s.state == current)
    if step == STEPS[0]:
        await _clear(state)
        await message.answer(t("claims.cancelled"))
        return
    prev = STEPS[STEPS.index(step) - 1]
    if prev == ClaimForm.ended and (await _form(state)).get("work") == "ongoing":
        prev = ClaimForm.work
    await _ask(message, state, t, prev)


# --- the steps -----------------------------------------------------------------------------


async def cp_kind_picked(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    cb = Cf.unpack(str(query.data))
    CounterpartyKind(cb.val)
    message = await done_with(query)
    await _save(state, cp_kind=cb.val)
    await _next(message, state, t, ClaimForm.cp_kind)


async def cp_name_given(message: Message, state: FSMContext, t: Translate) -> None:
    await _save(state, cp_name=rules.clean_counterparty(message.text or ""))
    await _next(message, state, t, ClaimForm.cp_name)


async def relation_picked(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    cb = Cf.unpack(str(query.data))
    WorkRelation(cb.val)
    message = await done_with(query)
    form = await _form(state)
    if form.get("relation") != cb.val:  # another checklist: evidence sent for the old one goes
        await _save(state, relation=cb.val, evidence=[], skipped=[])
    await _next(message, state, t, ClaimForm.relation, t(f"claims.rel_means.{cb.val}"))


async def amount_given(
    message: Message, state: FSMContext, t: Translate, settings: Settings
) -> None:
    fen = parse_amount(message.text or "", cap_fen=settings.claim_amount_cap_fen)
    await _save(state, amount=fen)
    await _next(message, state, t, ClaimForm.amount, t("claims.amount_noted", amount=yuan(fen)))


async def start_given(
    message: Message, state: FSMContext, t: Translate, settings: Settings
) -> None:
    day = parse_date(message.text or "", today=_today(settings))
    await _save(state, start=day.isoformat())
    await _next(message, state, t, ClaimForm.start)


async def _end_ok(message: Message, state: FSMContext, t: Translate, end: date) -> None:
    form = await _form(state)
    rules.check_period(date.fromisoformat(form["start"]), end)
    await _save(state, end=end.isoformat())
    await _next(message, state, t, ClaimForm.end)


async def end_given(message: Message, state: FSMContext, t: Translate, settings: Settings) -> None:
    await _end_ok(message, state, t, parse_date(message.text or "", today=_today(settings)))


async def end_same_day(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    message = await done_with(query)
    await _end_ok(message, state, t, date.fromisoformat((await _form(state))["start"]))


async def orders_given(message: Message, state: FSMContext, t: Translate) -> None:
    await _save(state, orders=rules.clean_orders(message.text or ""))
    await _next(message, state, t, ClaimForm.orders)


async def orders_skipped(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    message = await done_with(query)
    await _save(state, orders="")
    await _next(message, state, t, ClaimForm.orders)


async def work_picked(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    cb = Cf.unpack(str(query.data))
    message = await done_with(query)
    await _save(state, work=cb.val, **({"ended": None} if cb.val == "ongoing" else {}))
    await _next(message, state, t, ClaimForm.work)


async def ended_given(
    message: Message, state: FSMContext, t: Translate, settings: Settings
) -> None:
    day = parse_date(message.text or "", today=_today(settings))
    rules.check_work_end(day, period_start=date.fromisoformat((await _form(state))["start"]))
    await _save(state, ended=day.isoformat())
    await _next(message, state, t, ClaimForm.ended)


async def knew_given(message: Message, state: FSMContext, t: Translate, settings: Settings) -> None:
    day = parse_date(message.text or "", today=_today(settings))
    await _save(state, knew=day.isoformat())
    await _next(message, state, t, ClaimForm.knew, t("claims.rule"))


async def disclosure_picked(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    cb = Cf.unpack(str(query.data))
    Disclosure(cb.val)
    message = await done_with(query)
    await _save(state, disclosure=cb.val)
    await _next(message, state, t, ClaimForm.disclosure)


async def submit(
    query: CallbackQuery,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    settings: Settings,
) -> None:
    """Submit, in any state: a press whose draft already filed a claim is shown that claim
    (a double tap, a press after the answer failed); only the draft's own button files one."""
    assert user.id is not None
    f = await _form(state)
    pressed = Cf.unpack(str(query.data)).val
    key = pressed or f.get("submit_key") or ""
    made = key and await submissions.created_by(session, key=key, user_id=user.id, form="claim")
    if made:
        filed = await session.get(WageClaim, made)
        case = await session.get(Case, filed.case_id) if filed is not None else None
        with contextlib.suppress(TelegramAPIError):  # it only stops the button's spinner
            await query.answer()
        if case is not None and isinstance(query.message, Message):
            await query.message.answer(t("claims.already_filed", ref=case.ref))
        return
    if await state.get_state() != ClaimForm.summary.state or pressed not in (
        "",
        f.get("submit_key"),
    ):
        await query.answer(t("fallback.stale_button"), show_alert=True)
        return
    form = filing.ClaimForm(
        counterparty_kind=CounterpartyKind(f["cp_kind"]),
        counterparty_name=f["cp_name"],
        relation=WorkRelation(f["relation"]),
        amount_fen=int(f["amount"]),
        period_start=date.fromisoformat(f["start"]),
        period_end=date.fromisoformat(f["end"]),
        knew_on=date.fromisoformat(f["knew"]),
        work_ongoing=f.get("work") == "ongoing",
        work_ended_on=date.fromisoformat(f["ended"]) if f.get("ended") else None,
        orders=f.get("orders", ""),
        disclosure=Disclosure(f["disclosure"]),
        evidence=[rules.EvidenceFile(**e) for e in f.get("evidence", [])],
        skipped=list(f.get("skipped", [])),
    )
    claim, case = await filing.file_claim(
        session, user=user, form=form, today=_today(settings), max_bytes=settings.evidence_max_bytes
    )
    await submissions.remember(
        session,
        key=key or submissions.new_key(),  # a draft from before keys: this press makes one
        user_id=user.id,
        form="claim",
        created_id=claim.id,  # type: ignore[arg-type]
    )
    # Cleared before anything is sent: the first send commits the claim with it.
    await _clear(state)
    await confirm_submit(
        query,
        session=session,
        user=user,
        text=t("claims.filed", ref=case.ref, deadline=Raw(_deadline_line(t, f))),
        reply_markup=_card_buttons(t, claim, staff=False),
    )
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramAPIError):  # the summary's buttons: only tidiness
            await query.message.edit_reply_markup(reply_markup=None)


async def expect_buttons(message: Message, t: Translate) -> None:
    await message.answer(t("claims.expect_buttons"))


async def expect_text(message: Message, t: Translate) -> None:
    await message.answer(t("claims.expect_text"))


async def expect_date(message: Message, t: Translate) -> None:
    await message.answer(t("claims.expect_date"))


async def expect_amount(message: Message, t: Translate) -> None:
    await message.answer(t("claims.expect_amount"))


# --- evidence (in the form, and later on a filed claim) ------------------------------------------


async def item_picked(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    cb = Cf.unpack(str(query.data))
    form = await _form(state)
    if cb.val not in rules.checklist(form["relation"]):
        await query.answer(t("fallback.stale_button"), show_alert=True)
        return
    message = await done_with(query)
    in_form = await state.get_state() == ClaimForm.evidence.state
    await _save(state, item=cb.val)
    await state.set_state(ClaimForm.evidence_item if in_form else ClaimWork.evidence_item)
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.claim_item_done"), callback_data=Cf(act="itemok"))
    kb.button(text=t("btn.claim_skip"), callback_data=Cf(act="itemskip"))
    await message.answer(
        t(
            "claims.ask_item",
            item=rules.item_name(t.lang, cb.val),
            hint=rules.item_hint(t.lang, cb.val),
        ),
        reply_markup=kb.as_markup(),
    )


def _file_of(message: Message, item: str) -> rules.EvidenceFile:
    if message.photo:
        biggest = message.photo[-1]
        return rules.EvidenceFile(
            item=item, file_id=biggest.file_id, kind="photo",
            file_unique_id=biggest.file_unique_id, size=biggest.file_size,
        )  # fmt: skip
    doc = message.document
    assert doc is not None
    return rules.EvidenceFile(
        item=item, file_id=doc.file_id, kind="document", file_unique_id=doc.file_unique_id,
        file_name=doc.file_name, mime_type=doc.mime_type, size=doc.file_size,
    )  # fmt: skip


async def evidence_file(
    message: Message,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    settings: Settings,
) -> None:
    form = await _form(state)
    ev = _file_of(message, form["item"])
    rules.check_evidence_file(ev, max_bytes=settings.evidence_max_bytes)
    if form.get("claim_id"):
        await progress.add_evidence(
            session, claim_id=int(form["claim_id"]), user=user, files=[ev],
            max_bytes=settings.evidence_max_bytes,
        )  # fmt: skip
        count = int(form.get("added", 0)) + 1
        await _save(state, added=count)
    else:
        evidence = [*form.get("evidence", []), asdict(ev)]
        await _save(state, evidence=evidence)
        count = sum(1 for e in evidence if e["item"] == ev.item)
    await message.answer(
        t("claims.ev_received", item=rules.item_name(t.lang, ev.item), count=count)
    )


async def item_finished(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    cb = Cf.unpack(str(query.data))
    message = await done_with(query)
    form = await _form(state)
    if cb.act == "itemskip":
        form = await _save(state, skipped=sorted(set(form.get("skipped", [])) | {form["item"]}))
    if form.get("claim_id"):
        await state.set_state(ClaimWork.evidence)
        claim, _ = await reading.get_claim(session, claim_id=int(form["claim_id"]))
        counts = await reading.evidence_counts(session, claim=claim)
        await _checklist(message, t, form, claim_id=claim.id, counts=counts)
    else:
        await _ask(message, state, t, ClaimForm.evidence)


async def evidence_finished(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    message = await done_with(query)
    form = await _form(state)
    if form.get("claim_id"):
        await _clear(state)
        await message.answer(t("claims.ev_saved", count=int(form.get("added", 0))))
        return
    await _next(message, state, t, ClaimForm.evidence)


async def expect_file(message: Message, t: Translate) -> None:
    await message.answer(t("claims.expect_file"))


# --- a filed claim: card, moves, PDF -------------------------------------------------------------


def _card_buttons(t: Translate, claim: WageClaim, *, staff: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    cid = claim.id
    assert cid is not None
    sizes: list[int] = []
    if staff:
        moves = [s for s in progress.allowed_moves(claim.stage)]
        for stage in moves:
            kb.button(
                text=t(f"btn.claim_to_{stage.value}"),
                callback_data=Wc(act="s", id=cid, val=stage.value),
            )
        if claim.stage in rules.OPEN_STAGES:
            kb.button(text=t("btn.claim_recovered"), callback_data=Wc(act="r", id=cid))
        kb.button(text=t("btn.claim_same_cp"), callback_data=Wc(act="g", id=cid))
        sizes += [2] * ((len(moves) + 1) // 2) + [1, 1]
    elif claim.stage not in rules.LOCKED_STAGES:
        kb.button(text=t("btn.claim_add_evidence"), callback_data=Wc(act="e", id=cid))
        sizes.append(1)
    if claim.stage in rules.OPEN_STAGES:
        kb.button(text=t("btn.claim_restart"), callback_data=Wc(act="d", id=cid))
        sizes.append(1)
    kb.button(text=t("btn.claim_pdf"), callback_data=Wc(act="p", id=cid))
    sizes.append(1)
    kb.adjust(*sizes)
    return kb.as_markup()


async def _card(session: AsyncSession, claim: WageClaim, viewer: User, t: Translate) -> str:
    _, case = await reading.get_claim(session, claim_id=claim.id)  # type: ignore[arg-type]
    deadline = await filing.deadline_of(session, claim=claim)
    if deadline.last_day is None:
        deadline_line = t("claims.deadline.ongoing")
    else:
        deadline_line = t(
            f"claims.deadline.{deadline.basis}",
            deadline=deadline.last_day.isoformat(), start=str(deadline.runs_from),
        )  # fmt: skip
    missing = [
        rules.item_name(t.lang, i) for i in await reading.missing_items(session, claim=claim)
    ]
    events = await reading.claim_history(session, case=case, internal=is_staff(viewer))
    history = "\n".join(
        f"{local_date(e.created_at)} " + timeline_text(t.lang, e.kind, e.payload or {})
        for e in events[-8:]
    )
    outcome = progress.outcome_of(claim)
    stage = t(f"claims.stage.{claim.stage.value}")
    if outcome:
        stage += f" ({t(f'claims.outcome.{outcome}')})"
    return t(
        "claims.card",
        ref=case.ref,
        stage=stage,
        name=claim.counterparty_name,
        kind=t(f"claims.cp.{claim.counterparty_kind.value}"),
        relation=t(f"claims.rel.{claim.relation.value}"),
        amount=yuan(claim.amount_fen),
        recovered=yuan(claim.recovered_fen),
        start=claim.period_start.isoformat(),
        end=claim.period_end.isoformat(),
        deadline=Raw(deadline_line),
        missing=", ".join(missing) or "—",
        history=history or "—",
    )


async def _show(
    message: Message, session: AsyncSession, claim: WageClaim, user: User, t: Translate
) -> None:
    staff = is_staff(user) and user.id != claim.rider_id
    await message.answer(
        await _card(session, claim, user, t), reply_markup=_card_buttons(t, claim, staff=staff)
    )


async def open_claim(
    query: CallbackQuery, callback_data: Wc, user: User, session: AsyncSession, t: Translate
) -> None:
    claim, _ = await reading.claim_for(session, claim_id=callback_data.id, user=user)
    await query.answer()
    assert isinstance(query.message, Message)
    await _show(query.message, session, claim, user, t)


async def stage_pressed(
    query: CallbackQuery, callback_data: Wc, user: User, session: AsyncSession, t: Translate
) -> None:
    claim = await progress.move_stage(
        session, claim_id=callback_data.id, actor=user, stage=ClaimStage(callback_data.val)
    )
    message = await done_with(query)
    await message.answer(t("claims.stage_set", stage=t(f"claims.stage.{claim.stage.value}")))
    await _show(message, session, claim, user, t)


async def recovery_pressed(
    query: CallbackQuery,
    callback_data: Wc,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
) -> None:
    claim, _ = await reading.claim_for_staff(session, claim_id=callback_data.id, actor=user)
    await query.answer()
    await _save(state, claim_id=claim.id)
    await state.set_state(ClaimWork.recovery_amount)
    assert isinstance(query.message, Message)
    await query.message.answer(t("claims.ask_recovery", claimed=yuan(claim.amount_fen)))


async def recovery_amount_given(
    message: Message,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    settings: Settings,
) -> None:
    fen = parse_amount(message.text or "", cap_fen=settings.claim_amount_cap_fen)
    claim, _ = await reading.claim_for_staff(
        session, claim_id=int((await _form(state))["claim_id"]), actor=user
    )
    progress.check_recovery_amount(claim, fen)
    await _save(state, recovered=fen)
    await state.set_state(ClaimWork.recovery_date)
    await message.answer(t("claims.ask_recovery_date", amount=yuan(fen)))


async def recovery_date_given(
    message: Message,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    settings: Settings,
) -> None:
    today = _today(settings)
    form = await _form(state)
    claim = await progress.record_recovery(
        session, claim_id=int(form["claim_id"]), actor=user, amount_fen=int(form["recovered"]),
        on=parse_date(message.text or "", today=today), today=today,
    )  # fmt: skip
    await _clear(state)
    outcome = progress.outcome_of(claim) or "partial"
    await message.answer(t("claims.recovery_saved", outcome=t(f"claims.outcome.{outcome}")))
    await _show(message, session, claim, user, t)


async def restart_pressed(
    query: CallbackQuery, callback_data: Wc, user: User, session: AsyncSession, t: Translate
) -> None:
    claim, _ = await reading.claim_for(session, claim_id=callback_data.id, user=user)
    await query.answer()
    kb = InlineKeyboardBuilder()
    for reason in RESTART_REASONS:
        kb.button(
            text=t(f"claims.restart.{reason}"), callback_data=Wc(act="dr", id=claim.id, val=reason)
        )  # type: ignore[arg-type]
    kb.adjust(1)
    assert isinstance(query.message, Message)
    await query.message.answer(t("claims.ask_restart"), reply_markup=kb.as_markup())


async def restart_reason(
    query: CallbackQuery,
    callback_data: Wc,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
) -> None:
    await reading.claim_for(session, claim_id=callback_data.id, user=user)
    message = await done_with(query)
    await _save(state, claim_id=callback_data.id, reason=callback_data.val)
    await state.set_state(ClaimWork.restart_date)
    await message.answer(
        t("claims.ask_restart_date", reason=t(f"claims.restart.{callback_data.val}"))
    )


async def restart_date_given(
    message: Message,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    settings: Settings,
) -> None:
    today = _today(settings)
    form = await _form(state)
    deadline = await progress.record_restart(
        session, claim_id=int(form["claim_id"]), user=user, reason=str(form["reason"]),
        on=parse_date(message.text or "", today=today), today=today,
    )  # fmt: skip
    await _clear(state)
    await message.answer(
        t(
            "claims.restart_saved",
            deadline=str(deadline.last_day or "—"),
            start=str(deadline.runs_from),
        )
    )


async def add_evidence_pressed(
    query: CallbackQuery,
    callback_data: Wc,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
) -> None:
    claim, case = await reading.claim_for(session, claim_id=callback_data.id, user=user)
    if claim.stage in rules.LOCKED_STAGES:
        await query.answer(
            t("error.claim_locked", ref=case.ref, stage=claim.stage.value), show_alert=True
        )
        return
    await query.answer()
    form = await _save(
        state, claim_id=claim.id, relation=claim.relation.value, added=0,
        skipped=list(claim.evidence_skipped),
    )  # fmt: skip
    await state.set_state(ClaimWork.evidence)
    assert isinstance(query.message, Message)
    counts = await reading.evidence_counts(session, claim=claim)
    await _checklist(query.message, t, form, claim_id=claim.id, counts=counts)


async def pdf_pressed(
    query: CallbackQuery,
    callback_data: Wc,
    user: User,
    session: AsyncSession,
    settings: Settings,
) -> None:
    pdf = await claim_summary_pdf(
        session,
        claim_id=callback_data.id,
        viewer=user,
        today=_today(settings),
        tz=settings.timezone,
    )
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.answer_document(BufferedInputFile(pdf.data, filename=pdf.file_name))


async def same_cp_pressed(
    query: CallbackQuery, callback_data: Wc, user: User, session: AsyncSession, t: Translate
) -> None:
    rows = await groups.same_counterparty(session, claim_id=callback_data.id, actor=user)
    await query.answer()
    lines = "\n".join(
        t("claims.same_line", ref=case.ref, amount=yuan(c.amount_fen),
          stage=t(f"claims.stage.{c.stage.value}"),
          group="👥" if c.group_id else "")
        for c, case in rows
    )  # fmt: skip
    kb = InlineKeyboardBuilder()
    for c, case in rows:
        kb.button(text=case.ref, callback_data=Wc(act="o", id=c.id))  # type: ignore[arg-type]
    open_count = sum(1 for c, _ in rows if c.stage in rules.OPEN_STAGES)
    if open_count >= 2:
        kb.button(text=t("btn.claim_join_group"), callback_data=Wc(act="j", id=callback_data.id))
    kb.adjust(1)
    assert isinstance(query.message, Message)
    await query.message.answer(
        t("claims.same_cp", name=rows[0][0].counterparty_name, count=len(rows), lines=Raw(lines)),
        reply_markup=kb.as_markup(),
    )


async def join_pressed(
    query: CallbackQuery, callback_data: Wc, user: User, session: AsyncSession, t: Translate
) -> None:
    group = await groups.join_as_group(session, claim_id=callback_data.id, actor=user)
    message = await done_with(query)
    await message.answer(t("claims.group_joined", name=group.counterparty_name))


# --- lists and totals ----------------------------------------------------------------------------


async def claims_command(message: Message, user: User, session: AsyncSession, t: Translate) -> None:
    rows = await (
        reading.zone_claims(session, actor=user)
        if is_staff(user)
        else reading.my_claims(session, user=user)
    )
    if not rows:
        await message.answer(t("claims.none"))
        return
    kb = InlineKeyboardBuilder()
    for c, case in rows[:30]:
        label = f"{case.ref} · {c.counterparty_name[:20]} · {yuan(c.amount_fen)}"
        kb.button(text=label, callback_data=Wc(act="o", id=c.id))  # type: ignore[arg-type]
    kb.adjust(1)
    await message.answer(t("claims.list", count=len(rows)), reply_markup=kb.as_markup())


async def totals_command(message: Message, user: User, t: Translate) -> None:
    if not is_staff(user):
        raise Forbidden("not_staff")
    kb = InlineKeyboardBuilder()
    for by in ("zone", "counterparty", "month"):
        kb.button(text=t(f"btn.claim_totals_{by}"), callback_data=Wt(by=by))
    await message.answer(t("claims.totals_ask"), reply_markup=kb.as_markup())


async def totals_pressed(
    query: CallbackQuery,
    callback_data: Wt,
    user: User,
    session: AsyncSession,
    t: Translate,
    settings: Settings,
) -> None:
    if callback_data.by not in ("zone", "counterparty", "month"):
        await query.answer(t("fallback.stale_button"), show_alert=True)
        return
    rows = await groups.claim_totals(
        session,
        by=callback_data.by,
        actor=user,
        lang=t.lang,
        tz=settings.timezone,  # type: ignore[arg-type]
    )
    await query.answer()
    lines = "\n".join(
        t("claims.totals_line", label=r.label, claims=r.claims, claimed=yuan(r.claimed_fen),
          recovered=yuan(r.recovered_fen), outstanding=yuan(r.outstanding_fen))
        for r in rows
    )  # fmt: skip
    assert isinstance(query.message, Message)
    await query.message.answer(
        t("claims.totals", by=t(f"btn.claim_totals_{callback_data.by}"), lines=Raw(lines or "—"))
    )


async def stale_form_button(query: CallbackQuery, t: Translate) -> None:
    await query.answer(t("claims.stale_button"), show_alert=True)


def make_router() -> Router:
    router = Router(name="claim")
    router.message.filter(F.chat.type == "private")
    m, c = router.message.register, router.callback_query.register
    not_command = F.text & ~F.text.startswith("/")
    not_a_command = ~F.text.startswith("/")
    m(claim_command, Command("claim"))
    m(claims_command, Command("claims"))
    m(totals_command, Command("claimtotals"))
    c(claim_pressed, F.data == "menu:claim")

    in_form = StateFilter(*STEPS, ClaimForm.evidence_item)
    c(cancel, Cf.filter(F.act == "cancel"), in_form)
    c(back, Cf.filter(F.act == "back"), in_form)
    c(cp_kind_picked, Cf.filter(F.act == "cp"), ClaimForm.cp_kind)
    m(cp_name_given, ClaimForm.cp_name, not_command)
    c(relation_picked, Cf.filter(F.act == "rel"), ClaimForm.relation)
    m(amount_given, ClaimForm.amount, not_command)
    m(start_given, ClaimForm.start, not_command)
    m(end_given, ClaimForm.end, not_command)
    c(end_same_day, Cf.filter(F.act == "same"), ClaimForm.end)
    m(orders_given, ClaimForm.orders, not_command)
    c(orders_skipped, Cf.filter(F.act == "noorders"), ClaimForm.orders)
    c(work_picked, Cf.filter(F.act == "work"), ClaimForm.work)
    m(ended_given, ClaimForm.ended, not_command)
    m(knew_given, ClaimForm.knew, not_command)
    c(disclosure_picked, Cf.filter(F.act == "disc"), ClaimForm.disclosure)
    c(submit, Cf.filter(F.act == "submit"))  # any state: a repeated press finds its claim

    evidence_lists = StateFilter(ClaimForm.evidence, ClaimWork.evidence)
    evidence_items = StateFilter(ClaimForm.evidence_item, ClaimWork.evidence_item)
    c(item_picked, Cf.filter(F.act == "ev"), evidence_lists)
    c(evidence_finished, Cf.filter(F.act == "evdone"), evidence_lists)
    m(evidence_file, evidence_items, F.photo | F.document)
    c(item_finished, Cf.filter(F.act.in_({"itemok", "itemskip"})), evidence_items)
    m(expect_file, evidence_items, not_a_command)

    m(recovery_amount_given, ClaimWork.recovery_amount, not_command)
    m(recovery_date_given, ClaimWork.recovery_date, not_command)
    m(restart_date_given, ClaimWork.restart_date, not_command)

    dates = StateFilter(
        ClaimForm.start, ClaimForm.end, ClaimForm.ended, ClaimForm.knew,
        ClaimWork.recovery_date, ClaimWork.restart_date,
    )  # fmt: skip
    m(expect_date, dates, not_a_command)
    m(expect_amount, StateFilter(ClaimForm.amount, ClaimWork.recovery_amount), not_a_command)
    m(expect_text, StateFilter(ClaimForm.cp_name, ClaimForm.orders), not_a_command)
    m(expect_buttons, StateFilter(
        ClaimForm.cp_kind, ClaimForm.relation, ClaimForm.work, ClaimForm.evidence,
        ClaimForm.disclosure, ClaimForm.summary, ClaimWork.evidence,
    ), not_a_command)  # fmt: skip

    c(open_claim, Wc.filter(F.act == "o"))
    c(stage_pressed, Wc.filter(F.act == "s"))
    c(recovery_pressed, Wc.filter(F.act == "r"))
    c(restart_pressed, Wc.filter(F.act == "d"))
    c(restart_reason, Wc.filter(F.act == "dr"))
    c(add_evidence_pressed, Wc.filter(F.act == "e"))
    c(pdf_pressed, Wc.filter(F.act == "p"))
    c(same_cp_pressed, Wc.filter(F.act == "g"))
    c(join_pressed, Wc.filter(F.act == "j"))
    c(totals_pressed, Wt.filter())
    c(stale_form_button, Cf.filter())
    return router
