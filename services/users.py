"""Who is this: people as the desk knows them, found or created from a Telegram account."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Role, User, Zone, ZoneStaff
from services.errors import Invalid, NotFound
from services.texts import LANGUAGES, normalise_language


async def get_or_create_telegram_user(
    session: AsyncSession,
    *,
    telegram_id: int,
    username: str | None,
    first_name: str,
    language_code: str | None,
    default_language: str = "zh",
) -> User:
    user = await find_by_telegram_id(session, telegram_id=telegram_id)
    if user is None:
        user = User(
            telegram_id=telegram_id,
            username=username,
            display_name=first_name[:128],
            language=normalise_language(language_code, default_language),
        )
        session.add(user)
        await session.flush()
    elif user.username != username:
        user.username = username
    if user.unreachable:
        # A message from them means they can be reached again (e.g. unblocked the bot).
        user.unreachable = False
    return user


async def find_by_telegram_id(session: AsyncSession, *, telegram_id: int) -> User | None:
    return (
        await session.execute(select(User).where(User.telegram_id == telegram_id))
    ).scalar_one_or_none()


async def set_language(session: AsyncSession, *, user: User, language: str) -> User:
    if language not in LANGUAGES:
        raise Invalid("language", allowed=LANGUAGES)
    user.language = language
    return user


async def create_staff(
    session: AsyncSession,
    *,
    telegram_id: int | None,
    display_name: str,
    role: Role,
    zone_codes: list[str] | None = None,
    username: str | None = None,
    language: str = "zh",
) -> User:
    """Create (or promote) a representative, senior representative or admin."""
    user = None
    if telegram_id is not None:
        user = await find_by_telegram_id(session, telegram_id=telegram_id)
    if user is None:
        user = User(telegram_id=telegram_id, username=username, language=language)
        session.add(user)
    user.display_name = display_name
    user.role = role
    await session.flush()
    for code in zone_codes or []:
        zone = (await session.execute(select(Zone).where(Zone.code == code))).scalar_one_or_none()
        if zone is None:
            raise NotFound("zone", code=code)
        if await session.get(ZoneStaff, (user.id, zone.id)) is None:
            session.add(ZoneStaff(user_id=user.id, zone_id=zone.id))
    await session.flush()
    return user


async def staff_chats(session: AsyncSession) -> list[tuple[int, str, Role]]:
    """(Telegram chat, language, role) of every representative and admin the bot can reach."""
    rows = await session.execute(
        select(User.telegram_id, User.language, User.role).where(
            User.role != Role.rider, User.telegram_id.is_not(None)
        )
    )
    return [(int(chat), lang, role) for chat, lang, role in rows]
