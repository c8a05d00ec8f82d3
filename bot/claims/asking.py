"""Asking the claim form's questions: each step's question and buttons, the evidence
checklist, and the summary with its deadline."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.claims.buttons import ClaimFormButton
from bot.claims.draft import STEPS, ClaimFormSteps, answers, choices, nav, nav_only, note
from models.claims import CounterpartyKind, Disclosure, WorkRelation
from services import submissions
from services.claims import rules
from services.claims.deadline import claim_deadline, deadline_sentence
from services.claims.money import yuan
from services.texts import Raw, Translate

S = ClaimFormSteps


async def ask(
    message: Message, state: FSMContext, t: Translate, step: State, lead: str = ""
) -> None:
    """Moves the form to `step` and asks its question; `lead` (what was just noted) leads
    the same message, so each answer is one message and a quick rider meets no flood limit."""
    await state.set_state(step)

    async def say(body: str, reply_markup: InlineKeyboardMarkup) -> None:
        await message.answer(f"{lead}\n\n{body}" if lead else body, reply_markup=reply_markup)

    form = await answers(state)
    if step == S.cp_kind:
        markup = choices(t, "counterparty_kind", "cp", [k.value for k in CounterpartyKind])
        await say(t("claims.ask_cp_kind"), reply_markup=markup)
    elif step == S.cp_name:
        kind = t(f"claims.cp.{form['cp_kind']}")
        await say(t("claims.ask_cp_name", kind=kind), reply_markup=nav_only(t))
    elif step == S.relation:
        markup = choices(t, "relation", "rel", [r.value for r in WorkRelation])
        await say(t("claims.ask_relation"), reply_markup=markup)
    elif step == S.amount:
        await say(t("claims.ask_amount"), reply_markup=nav_only(t))
    elif step == S.start:
        await say(t("claims.ask_start"), reply_markup=nav_only(t))
    elif step == S.end:
        markup = nav_only(t, ("btn.claim_same_day", "same_day"))
        await say(t("claims.ask_end", start=form["start"]), reply_markup=markup)
    elif step == S.orders:
        markup = nav_only(t, ("btn.claim_skip", "no_orders"))
        await say(t("claims.ask_orders"), reply_markup=markup)
    elif step == S.work:
        markup = choices(t, "work", "work", ["ongoing", "ended"])
        await say(t("claims.ask_work"), reply_markup=markup)
    elif step == S.ended:
        await say(t("claims.ask_ended"), reply_markup=nav_only(t))
    elif step == S.knew:
        await say(t("claims.ask_knew"), reply_markup=nav_only(t))
    elif step == S.evidence:
        await checklist(message, t, form, claim_id=None, lead=lead)
    elif step == S.disclosure:
        markup = choices(t, "disclosure", "disc", [d.value for d in Disclosure])
        await say(t("claims.ask_disclosure"), reply_markup=markup)
    else:
        # The draft's submission key rides on its Submit button (see submit).
        form = await note(state, submit_key=form.get("submit_key") or submissions.new_key())
        await summary(message, t, form)  # its own header


async def ask_next(
    message: Message, state: FSMContext, t: Translate, current: State, lead: str = ""
) -> None:
    form = await answers(state)
    nxt = STEPS[STEPS.index(current) + 1]
    if nxt == S.ended and form.get("work") == "ongoing":
        nxt = S.knew
    await ask(message, state, t, nxt, lead)


def _item_status(t: Translate, item: str, files: int, skipped: bool) -> str:
    if files:
        return t("claims.ev_have", item=rules.item_name(t.lang, item), count=files)
    if skipped:
        return t("claims.ev_skipped", item=rules.item_name(t.lang, item))
    return t("claims.ev_missing", item=rules.item_name(t.lang, item))


async def checklist(
    message: Message,
    t: Translate,
    form: dict[str, Any],
    *,
    claim_id: int | None,
    counts: dict[str, int] | None = None,
    lead: str = "",
) -> None:
    """The checklist for the relation: what was sent, skipped and is still missing."""
    items = rules.checklist(form["relation"])
    if counts is None:
        counts = {i: sum(1 for e in form.get("evidence", []) if e["item"] == i) for i in items}
    skipped = set(form.get("skipped", []))
    lines = "\n".join(_item_status(t, i, counts.get(i, 0), i in skipped) for i in items)
    kb = InlineKeyboardBuilder()
    for i in items:
        kb.button(
            text=rules.item_name(t.lang, i),
            callback_data=ClaimFormButton(action="evidence_item", value=i),
        )
    kb.button(
        text=t("btn.claim_evidence_done"), callback_data=ClaimFormButton(action="evidence_done")
    )
    if claim_id is None:
        nav(kb, t)
    kb.adjust(*([1] * (len(items) + 1)), 2)
    body = t("claims.checklist", items=Raw(lines), relation=t(f"claims.rel.{form['relation']}"))
    await message.answer(f"{lead}\n\n{body}" if lead else body, reply_markup=kb.as_markup())


def draft_deadline(t: Translate, form: dict[str, Any]) -> str:
    """The deadline sentence for the facts the rider gave so far."""
    return deadline_sentence(
        t.lang,
        claim_deadline(
            knew_on=date.fromisoformat(form["knew"]),
            work_ongoing=form.get("work") == "ongoing",
            work_ended_on=date.fromisoformat(form["ended"]) if form.get("ended") else None,
        ),
    )


async def summary(message: Message, t: Translate, form: dict[str, Any]) -> None:
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
        deadline=Raw(draft_deadline(t, form)),  # catalogue HTML: bold stays bold
    )
    kb = InlineKeyboardBuilder()
    kb.button(
        text=t("btn.claim_submit"),
        callback_data=ClaimFormButton(action="submit", value=form.get("submit_key", "")),
    )
    nav(kb, t)
    kb.adjust(1, 2)
    await message.answer(body, reply_markup=kb.as_markup())
