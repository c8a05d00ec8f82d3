"""What a form shows at a step (see bot/forms.py): the step's question or the summary, the
keyboard under it (the step's buttons, Skip, Back, Cancel; Submit under the summary), and a
wrong answer's sentence said with that keyboard again."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardMarkup, KeyboardButton, Message, ReplyKeyboardMarkup

from bot.form_parts import CONFIRM, Ask, Ctx, maybe


def has_back(ctx: Ctx) -> bool:
    here = ctx.form.index(ctx.step)
    return any(s.applies(ctx.values) for s in ctx.form.steps[:here])


async def markup(ctx: Ctx, ask: Ask, draft: dict) -> Any:
    form, t = ctx.form, ctx.t
    back = has_back(ctx)
    if ctx.step == CONFIRM:
        rows = [
            *ask.buttons,
            [ctx.button(t(form.submit_label), draft["key"] or "", action="submit")],
        ]
    else:
        step = form.step(ctx.step)
        if ask.reply is not None and not ask.buttons:
            rows_r = [list(r) for r in ask.reply]
            if step.skip:
                rows_r.append([KeyboardButton(text=t(step.skip))])
            tail = [KeyboardButton(text=t("forms.btn_back"))] if back else []
            rows_r.append([*tail, KeyboardButton(text=t("forms.btn_cancel"))])
            return ReplyKeyboardMarkup(
                keyboard=rows_r, resize_keyboard=True, one_time_keyboard=True
            )
        rows = list(ask.buttons)
        if step.extra is not None:
            rows += step.extra(ctx)
        if step.skip:
            rows.append([ctx.button(t(step.skip), action="skip")])
    tail = [ctx.button(t("forms.btn_back"), action="back")] if back else []
    rows.append([*tail, ctx.button(t("forms.btn_cancel"), action="cancel")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def prompt(ctx: Ctx) -> Ask:
    if ctx.step == CONFIRM:
        return await maybe(ctx.form.summary(ctx))
    step_prompt = ctx.form.step(ctx.step).prompt
    if isinstance(step_prompt, str):
        return Ask(ctx.t(step_prompt))
    return await maybe(step_prompt(ctx))


async def send(message: Message, ctx: Ctx, draft: dict, ask: Ask | None = None) -> None:
    """Ask the current step (or show the summary): `ask`, or the step's own prompt."""
    ask = ask or await prompt(ctx)
    pieces = [ask.text] if isinstance(ask.text, str) else ask.text
    keyboard = await markup(ctx, ask, draft)
    for i, piece in enumerate(pieces):
        await message.answer(piece, reply_markup=keyboard if i == len(pieces) - 1 else None)
    if ask.reply is not None and ask.buttons:  # one keyboard kind per message
        reply = ReplyKeyboardMarkup(
            keyboard=ask.reply, resize_keyboard=True, one_time_keyboard=True
        )
        await message.answer(ask.reply_text, reply_markup=reply)


async def say(message: Message, ctx: Ctx, draft: dict, text: str) -> None:
    """A sentence with the step's keyboard again (wrong input)."""
    ask = await prompt(ctx)
    await message.answer(text, reply_markup=await markup(ctx, ask, draft))
