"""Surveys and notices in chat: members answer surveys (answers), /settings (settings).
`make_router()` joins them; the callback data lives in callbacks."""

from aiogram import Router

from bot.surveys import answers, settings


def make_router() -> Router:
    router = Router(name="surveys")
    answers.register(router)
    settings.register(router)
    return router
