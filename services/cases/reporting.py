"""A rider reports: case numbers, the report itself with its photos and place, and the first
notice to the zone's representatives."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from geopy.distance import distance
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseStatus, Severity, User, Zone
from models.cases import AttachmentKind, CaseAttachment, CaseRefCounter
from models.types import utcnow
from services.cases.attachments import MAX_PHOTOS, check_photo
from services.cases.cards import send_notice
from services.cases.categories import category, policy
from services.cases.collective import group_case
from services.cases.events import (
    on_duty_staff,
    record,
)
from services.cases.formatting import MAX_TEXT, excerpt
from services.errors import Invalid
from services.escalation.plan import start_clock
from services.injury.notices import send_steps_after_report
from services.limits import PLACE_MAX
from services.membership.members import require_member

S = CaseStatus
ACCIDENT = "accident"
REOPEN_WINDOW = timedelta(days=14)
SEVERITY_RANK = {Severity.urgent: 0, Severity.high: 1, Severity.normal: 2, Severity.low: 3}


@dataclass(frozen=True)
class Attachment:
    """A photo or voice note as it arrives: from Telegram (file ids) or the app (path, hash)."""

    kind: AttachmentKind = AttachmentKind.photo
    file_id: str | None = None
    file_unique_id: str | None = None
    size: int | None = None
    mime_type: str | None = None
    duration: int | None = None
    path: str | None = None
    sha256: str | None = None


@dataclass
class Report:
    category: str
    description: str = ""
    voice: Attachment | None = None
    photos: list[Attachment] = field(default_factory=list)
    lat: float | None = None
    lon: float | None = None
    place: str | None = None
    anonymous: bool = False


async def next_ref(session: AsyncSession, *, year: int) -> str:
    """`C-<year>-<number>`: one atomic UPDATE on the year's counter row, so two reports at
    once can never get the same number (the row lock serialises them on both databases)."""
    bump = (
        update(CaseRefCounter)
        .where(CaseRefCounter.year == year)
        .values(last=CaseRefCounter.last + 1)
        .returning(CaseRefCounter.last)
    )
    number = (await session.execute(bump)).scalar_one_or_none()
    if number is None:
        try:
            async with session.begin_nested():
                session.add(CaseRefCounter(year=year, last=0))
        except IntegrityError:
            pass  # someone else created this year's row first: just bump it
        number = (await session.execute(bump)).scalar_one()
    return f"C-{year}-{number:05d}"


async def _place_zone(
    session: AsyncSession, *, lat: float | None, lon: float | None, fallback: int | None
) -> tuple[int | None, bool]:
    """The zone nearest the place, and whether the place lies outside every zone's area."""
    if lat is None or lon is None:
        return fallback, False
    zones = list((await session.execute(select(Zone))).scalars())
    if not zones:
        return fallback, True
    nearest = min(zones, key=lambda z: distance((lat, lon), (z.lat, z.lon)).km)
    outside = distance((lat, lon), (nearest.lat, nearest.lon)).km > policy().service_radius_km
    return (fallback if outside and fallback is not None else nearest.id), outside


async def report_case(
    session: AsyncSession, *, user: User, report: Report, tz: str | None = None
) -> Case:
    """A member reports an issue: a numbered case, its first event, the representatives told."""
    membership = await require_member(session, user=user)
    cat = category(report.category)
    if not cat.reportable:
        raise Invalid("unknown_category", code=cat.code)
    description = report.description.strip()
    if not description and report.voice is None:
        raise Invalid("empty_description")
    if len(description) > MAX_TEXT:
        raise Invalid("description_too_long", length=len(description), limit=MAX_TEXT)
    if len(report.photos) > MAX_PHOTOS:
        raise Invalid("too_many_photos", limit=MAX_PHOTOS)
    for photo in report.photos:
        check_photo(size=photo.size)
    zone_id, outside = await _place_zone(
        session, lat=report.lat, lon=report.lon, fallback=membership.zone_id
    )
    now = utcnow()
    case = Case(
        ref=await next_ref(session, year=now.year),
        rider_id=user.id,
        zone_id=zone_id,
        category=cat.code,
        severity=cat.severity,
        summary=description,
        lat=report.lat,
        lon=report.lon,
        place=(report.place or None) and report.place[:PLACE_MAX],
        outside_area=outside,
        anonymous=report.anonymous,
        created_at=now,
        updated_at=now,
    )
    # Grouped before it is stored, so its row goes in once, collective and due times and all.
    collective = await group_case(session, case=case)
    await store_new(session, case)
    for item in ([report.voice] if report.voice else []) + report.photos:
        await _attach(session, case, item, uploader=user)
    # No notice: a new case's only follower is its reporter, who is never told of their own act.
    await record(
        session,
        case,
        actor=user,
        kind="reported",
        public=True,
        notice=False,
        at=now,
        severity=cat.severity.value,
        text=excerpt(description, 600),
    )
    if collective is not None:
        count = await session.scalar(
            select(func.count()).select_from(Case).where(Case.collective_id == collective.id)
        )
        await record(
            session, case, actor=None, kind="collective", public=False, at=now, count=count
        )
    await _announce(session, case, reporter=user, tz=tz)
    if cat.code == ACCIDENT:  # the injured rider's steps, right after the report
        await send_steps_after_report(session, case=case, rider=user)
    return case


async def store_new(session: AsyncSession, case: Case) -> None:
    """Insert a new case with its due times and its SLA clock (see `start_clock`)."""
    clock = start_clock(case)
    session.add(case)
    await session.flush()
    clock.case_id = case.id
    session.add(clock)  # goes in at the next flush: an attachment or the first event


async def _attach(
    session: AsyncSession, case: Case, item: Attachment, *, uploader: User
) -> CaseAttachment:
    row = CaseAttachment(
        case_id=case.id,  # type: ignore[arg-type]
        uploader_id=uploader.id,
        kind=item.kind,
        file_id=item.file_id,
        file_unique_id=item.file_unique_id,
        size=item.size,
        mime_type=item.mime_type,
        duration=item.duration,
        path=item.path,
        sha256=item.sha256,
    )
    session.add(row)
    await session.flush()
    return row


async def _announce(session: AsyncSession, case: Case, *, reporter: User, tz: str) -> None:
    """New case: to the zone's representatives' group (if bound) and on-duty reps by DM. Each
    copy is remembered, so it is edited when the case changes (services/case_cards.py)."""
    zone = await session.get(Zone, case.zone_id) if case.zone_id else None
    if zone is not None and zone.group_chat_id is not None:
        # The group is the zone's representatives, but anonymity is kept there too:
        # only a representative who opens the case sees who reported it.
        await send_notice(
            session,
            case=case,
            chat_id=zone.group_chat_id,
            user_id=None,
            lang="zh",
            named=False,
            tz=tz,
        )
    for rep in await on_duty_staff(session, zone_id=case.zone_id):
        if rep.telegram_id is None:
            continue
        await send_notice(
            session,
            case=case,
            chat_id=rep.telegram_id,
            user_id=rep.id,
            lang=rep.language,
            named=True,
            tz=tz,
        )
