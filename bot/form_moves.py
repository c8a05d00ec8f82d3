"""Moving through a form's draft (see bot/forms.py): on to the next step that applies (the
summary after the last), Back, Skip, an edit from the summary, and an answer read by the
step's parser. Each saves the draft, then asks where it has got to."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import Message, ReplyKeyboardRemove

from bot.errors import explain
from bot.form_asking import markup, say, send
from bot.form_parts import CONFIRM, Ctx, Input, Next, Stay, Wrong, maybe
from services import submissions
from services.errors import Invalid


async def go(message: Message, state: FSMContext, ctx: Ctx, draft: dict, after: int) -> None:
    """Ask the first applicable step after index `after` (the summary after the last;
    straight back to it after an edit from it)."""
    form = ctx.form
    if draft.pop("editing", False):
        after = len(form.steps)
    nxt = next((s for s in form.steps[after + 1 :] if s.applies(ctx.values)), None)
    draft["step"] = nxt.name if nxt else CONFIRM
    if nxt is None:
        draft["key"] = draft.get("key") or submissions.new_key()
    await form.save(state, draft)
    ctx.step = draft["step"]
    await send(message, ctx, draft)


async def back(message: Message, state: FSMContext, ctx: Ctx, draft: dict) -> None:
    form = ctx.form
    draft.pop("editing", None)  # Back during an edit: the form goes on from there
    here = form.index(draft["step"])
    before = [s for s in form.steps[:here] if s.applies(ctx.values)]
    if not before:
        await send(message, ctx, draft)
        return
    draft["step"] = ctx.step = before[-1].name
    await form.save(state, draft)
    await send(message, ctx, draft)


async def edit(message: Message, state: FSMContext, ctx: Ctx, draft: dict, name: str) -> None:
    """An edit button of the summary (`ctx.button(label, step, action="edit")`): that
    step is asked again, and its answer goes straight back to the summary."""
    draft["step"] = ctx.step = name
    draft["editing"] = True
    await ctx.form.save(state, draft)
    await send(message, ctx, draft)


async def skip(message: Message, state: FSMContext, ctx: Ctx, draft: dict) -> None:
    ctx.values[ctx.step] = None
    await go(message, state, ctx, draft, ctx.form.index(ctx.step))


async def feed(message: Message, state: FSMContext, ctx: Ctx, draft: dict, got: Input) -> None:
    """An answer to the current step: kept and on to the next, or a sentence saying what to
    send instead."""
    if ctx.step == CONFIRM:
        await say(message, ctx, draft, ctx.t("forms.press_a_button"))
        return
    step = ctx.form.step(ctx.step)
    if got.kind not in step.accepts:
        key = step.wrong if isinstance(step.wrong, str) else step.wrong(ctx, got)
        await say(message, ctx, draft, ctx.t(key))
        return
    try:
        result = await maybe(step.parse(ctx, got))
    except Wrong as w:
        await say(message, ctx, draft, ctx.t(w.key, **w.values))
        return
    except Invalid as e:
        await say(message, ctx, draft, explain(ctx.t, e))
        return
    if isinstance(result, Stay):
        ctx.values[step.name] = result.value
        await ctx.form.save(state, draft)
        if result.edit and got.kind == "choice":
            keyboard = await markup(ctx, result.ask, draft)
            await message.edit_reply_markup(reply_markup=keyboard)
        else:
            await send(message, ctx, draft, result.ask)
        return
    if isinstance(result, Next):
        await message.answer(result.say, reply_markup=ReplyKeyboardRemove())
        result = result.value
    ctx.values[step.name] = result
    await go(message, state, ctx, draft, ctx.form.index(step.name))
