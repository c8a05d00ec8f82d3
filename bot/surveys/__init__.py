"""Surveys and notices in chat: representatives create surveys (/survey) and send notices
(/notice) on the form engine (forms); members answer surveys (answers) and choose in
/settings (settings). `make_router()` joins them; the callback data lives in callbacks."""

from aiogram import Router

from bot.surveys import answers, forms, settings


def make_router() -> Router:
    router = Router(name="surveys")
    forms.register(router)
    answers.register(router)
    settings.register(router)
    return router
