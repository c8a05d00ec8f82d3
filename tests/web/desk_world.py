"""A desk with people and cases for the web desk tests, and Playwright helpers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.runtime import Runtime
from models import Case, User
from models.membership import Membership
from services import auth
from services.cases import reporting
from services.cases.reporting import Report
from tests.cases.conftest import ADMIN, REP_BJ, REP_XH, RIDER, people, user_by_tg
from tests.chat import deliver
from tests.sandbox_client import SandboxClient

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "desk"
PASSWORD = "correct horse battery"
XH = (30.2800, 120.1300)
BJ = (30.2100, 120.2120)
APPLICANT = 900150
HOSTILE = "<b>bold</b> <script>alert(1)</script> =SUM(A1)"

__all__ = ["ADMIN", "ARTIFACTS", "PASSWORD", "REP_BJ", "REP_XH", "RIDER", "World"]


@dataclass
class World:
    rt: Runtime
    sandbox: SandboxClient
    xh_case: str  # refs
    hostile_case: str
    bj_case: str

    @property
    def url(self) -> str:
        return f"{self.rt.url}/desk"


async def build_world(rt: Runtime, sandbox: SandboxClient) -> World:
    """Demo zones and staff (passwords for the XH representative and the admin), a rider
    with two cases in XH (one with hostile text) and one in BJ."""
    await people(rt, sandbox)
    async with rt.ctx.sessions() as session, session.begin():
        for tg in (REP_XH, REP_BJ, ADMIN):
            staff = await user_by_tg(session, tg)
            assert staff is not None
            await auth.set_password(session, user=staff, password=PASSWORD)
        rider = await user_by_tg(session, RIDER)
        assert rider is not None
        made: list[Case] = []
        for category, description, (lat, lon), place in (
            ("access", "Gate 3 blocks e-bikes", XH, "Sunny Garden"),
            ("platform", HOSTILE, XH, None),
            ("access", "Binjiang gate closed at night", BJ, None),
        ):
            report = Report(
                category=category, description=description, lat=lat, lon=lon, place=place
            )
            made.append(await reporting.report_case(session, user=rider, report=report))
        # A rider's application waits in XH.
        applicant = User(telegram_id=APPLICANT, display_name="Applicant", language="en")
        session.add(applicant)
        await session.flush()
        session.add(
            Membership(
                user_id=applicant.id,
                zone_id=made[0].zone_id,
                name="王五",
                phone="13900139000",
                platforms=["eleme"],
                work_kinds=["parcels"],
            )
        )
    await world_sandbox_user(sandbox)
    await deliver(rt)
    return World(rt, sandbox, made[0].ref, made[1].ref, made[2].ref)


async def world_sandbox_user(sandbox: SandboxClient) -> None:
    await sandbox.user(APPLICANT, "Applicant", language="en")


async def sign_in(page, world: World, login: int | str, *, lang: str = "en") -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"{world.url}/sign-in?lang={lang}")
    form = page.locator("#password-form")
    await form.locator("[name=login]").fill(str(login))
    await form.locator("[name=password]").fill(PASSWORD)
    await form.locator("button[type=submit]").click()
    await page.wait_for_load_state()


async def shoot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
