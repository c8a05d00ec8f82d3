"""The main menu: what /start and the "menu" button show. Each area handles its own button;
this module only decides which buttons a person sees."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from services.membership.members import active_membership
from services.texts import Translate


async def main_menu(session: AsyncSession, *, user: User, t: Translate) -> InlineKeyboardMarkup:
    assert user.id is not None
    member = await active_membership(session, user_id=user.id)
    kb = InlineKeyboardBuilder()
    if member is None:
        kb.button(text=t("btn.join"), callback_data="menu:join")
    else:
        kb.button(text=t("btn.my_card"), callback_data="menu:card")
    kb.button(text=t("btn.menu_report"), callback_data="menu:report")
    kb.button(text=t("btn.menu_claim"), callback_data="menu:claim")
    kb.button(text=t("btn.menu_guide"), callback_data="menu:guide")
    kb.button(text=t("btn.menu_cases"), callback_data="menu:cases")
    kb.button(text=t("btn.menu_about"), callback_data="menu:about")
    kb.adjust(1, 2, 2)
    return kb.as_markup()


def menu_button(t: Translate) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.main_menu"), callback_data="menu:main")
    return kb.as_markup()
