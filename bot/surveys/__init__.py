"""Surveys and notices in chat: representatives create surveys (/survey) and send notices
(/notice) on the form engine (forms); members answer surveys (answers) and choose in
/settings (settings). `make_router()` joins them; the callback data lives in callbacks."""

from aiogram import Router

from bot.common.presses import answered
from bot.surveys import answers, forms, settings


def make_router() -> Router:
    """Answers and settings (presses answered by AnswerPresses) in a router beside the engine
    forms' (which answer their own presses), before them as before, so no press is answered
    twice."""
    router = Router(name="surveys")
    own = answered(Router(name="surveys.own"))
    answers.register(own)
    settings.register(own)
    router.include_router(own)
    forms.register(router)
    return router
