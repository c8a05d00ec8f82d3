"""The answer to a form's Submit: what it created, told the rider even if Telegram fails.

The answer goes straight back, as every answer does, but a copy waits in the outbox (queued
in the transaction that created the record). Delivered: the copy is marked sent. Failed (a
5xx, a dropped connection, flood control longer than we wait): the copy is due at once and
the sender retries it. A crash in between: the copy goes out when its wait is over.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from services import outbox

log = logging.getLogger(__name__)


async def confirm_submit(
    query: CallbackQuery,
    *,
    session: AsyncSession,
    user: User,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """`text` is HTML, the bot's parse mode. The caller's changes are committed before the
    first request (CommitBeforeSend), the copy with them."""
    message = query.message if isinstance(query.message, Message) else None
    chat_id = message.chat.id if message is not None else query.from_user.id
    payload: dict[str, Any] = {"text": text, "parse_mode": "HTML"}
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup.model_dump(mode="json", exclude_none=True)
    copy = await outbox.fallback(session, chat_id=chat_id, user_id=user.id, payload=payload)
    with contextlib.suppress(TelegramAPIError):  # it only stops the button's spinner
        await query.answer()
    try:
        if message is None:
            raise LookupError("the button's message is too old to answer under")
        sent = await message.answer(text, reply_markup=reply_markup)
    except (TelegramAPIError, LookupError) as exc:
        log.warning("submit answer to chat %s failed, the outbox sends it: %s", chat_id, exc)
        await outbox.due_now(session, row_id=copy.id)  # type: ignore[arg-type]
        return
    await outbox.answered_directly(session, row_id=copy.id, message_id=sent.message_id)  # type: ignore[arg-type]
