"""Demo data for a first run: zones, staff, and sandbox users for every side of the desk."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Role, User, Zone
from services.users import create_staff

ZONES = [
    # Sample zones in Hangzhou; the route guide's demo area lies in XH.
    Zone(code="XH", name_zh="西湖示范片区", name_en="Xihu demo zone", lat=30.2800, lon=120.1300),
    Zone(
        code="BJ", name_zh="滨江示范片区", name_en="Binjiang demo zone", lat=30.2100, lon=120.2120
    ),
]


@dataclass(frozen=True)
class DemoPerson:
    telegram_id: int
    name: str
    role: Role
    zones: tuple[str, ...]
    language: str = "zh"


# Telegram ids in the sandbox's user list; a person picks one at /sandbox/ to play that side.
PEOPLE = [
    DemoPerson(900001, "管理员 王敏", Role.admin, ()),
    DemoPerson(900002, "代表 李强", Role.rep, ("XH",)),
    DemoPerson(900003, "代表 陈芳", Role.rep, ("BJ",)),
    DemoPerson(900004, "高级代表 赵磊", Role.senior, ("XH", "BJ")),
]
DEMO_RIDER = DemoPerson(900101, "骑手 小刘", Role.rider, ())


async def has_data(session: AsyncSession) -> bool:
    return bool((await session.execute(select(func.count()).select_from(Zone))).scalar_one())


async def load_demo_data(session: AsyncSession) -> bool:
    """Idempotent: returns False when the database already has zones."""
    if await has_data(session):
        return False
    for zone in ZONES:
        session.add(Zone(**zone.model_dump(exclude={"id"})))
    await session.flush()
    for p in PEOPLE:
        await create_staff(
            session,
            telegram_id=p.telegram_id,
            display_name=p.name,
            role=p.role,
            zone_codes=list(p.zones),
            language=p.language,
        )
    session.add(
        User(
            telegram_id=DEMO_RIDER.telegram_id,
            display_name=DEMO_RIDER.name,
            role=Role.rider,
            language=DEMO_RIDER.language,
        )
    )
    await session.flush()
    return True
