"""The rider's claim draft: the steps (FSM states), where the answers live, and the keyboards
every step shares (choices, Back, Cancel).

The answers live under one key ("wf") of the FSM data, kept in the database, so a half-filled
claim survives a restart."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.claims.buttons import ClaimFormButton
from services.texts import Translate


class ClaimFormSteps(StatesGroup):
    """The rider's claim form (the service's `filing.ClaimForm` is what it files)."""

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


class FiledClaimSteps(StatesGroup):
    """Steps on a filed claim: evidence added later, a recovery, a restarting event."""

    evidence = State()
    evidence_item = State()
    recovery_amount = State()
    recovery_date = State()
    restart_date = State()


S = ClaimFormSteps
STEPS = [
    S.cp_kind, S.cp_name, S.relation, S.amount, S.start, S.end, S.orders, S.work, S.ended,
    S.knew, S.evidence, S.disclosure, S.summary,
]  # fmt: skip


async def answers(state: FSMContext) -> dict[str, Any]:
    return dict((await state.get_data()).get("wf") or {})


async def note(state: FSMContext, **values: Any) -> dict[str, Any]:
    """Keeps answers in the draft and gives the draft as it is now."""
    form = await answers(state)
    form.update(values)
    await state.update_data(wf=form)
    return form


async def drop(state: FSMContext) -> None:
    """Forgets the draft (and leaves the form); other FSM data stays."""
    data = await state.get_data()
    await state.set_state(None)
    await state.set_data({k: v for k, v in data.items() if k != "wf"})


def nav(kb: InlineKeyboardBuilder, t: Translate, *, back: bool = True) -> None:
    if back:
        kb.button(text=t("btn.claim_back"), callback_data=ClaimFormButton(action="back"))
    kb.button(text=t("btn.claim_cancel"), callback_data=ClaimFormButton(action="cancel"))


def choices(t: Translate, action: str, prefix: str, values: list[str]) -> InlineKeyboardMarkup:
    """One button per value, labelled `claims.<prefix>.<value>`, then Back (not on the first
    step) and Cancel."""
    kb = InlineKeyboardBuilder()
    for v in values:
        kb.button(
            text=t(f"claims.{prefix}.{v}"), callback_data=ClaimFormButton(action=action, value=v)
        )
    nav(kb, t, back=action != "counterparty_kind")
    kb.adjust(*([1] * len(values)), 2)
    return kb.as_markup()


def nav_only(t: Translate, *extra: tuple[str, str]) -> InlineKeyboardMarkup:
    """Back and Cancel under the given (label key, action) buttons."""
    kb = InlineKeyboardBuilder()
    for label, action in extra:
        kb.button(text=t(label), callback_data=ClaimFormButton(action=action))
    nav(kb, t)
    kb.adjust(*([1] * len(extra)), 2)
    return kb.as_markup()
