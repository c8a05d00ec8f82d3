"""The short flows on a filed claim (evidence added later, a recovery, a restarting event):
their FSM states and the few answers they keep under one key ("wf") of the FSM data."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup


class FiledClaimSteps(StatesGroup):
    evidence = State()
    evidence_item = State()
    recovery_amount = State()
    recovery_date = State()
    restart_date = State()


async def answers(state: FSMContext) -> dict[str, Any]:
    return dict((await state.get_data()).get("wf") or {})


async def note(state: FSMContext, **values: Any) -> dict[str, Any]:
    """Keeps answers and gives them all as they are now."""
    kept = await answers(state)
    kept.update(values)
    await state.update_data(wf=kept)
    return kept


async def drop(state: FSMContext) -> None:
    """Forgets the answers and leaves the flow; other FSM data (forms' drafts) stays."""
    data = await state.get_data()
    await state.set_state(None)
    await state.set_data({k: v for k, v in data.items() if k != "wf"})
