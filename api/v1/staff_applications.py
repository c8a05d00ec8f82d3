"""Representatives: the decisions on membership applications. Zone rules live in services
(membership)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from api.endpoint import Call
from api.keys import CTX
from api.v1 import api
from api.v1.schemas import VISIBLE, Model
from models.membership import Membership
from services.cases.access import require_staff
from services.membership import applications as membership_applications
from services.membership import own_view

TAGS = ["staff"]
ERRORS = [403, 404, 409]


class ApplicationOut(BaseModel):
    id: int
    status: str
    zone_id: int | None
    name: str | None
    phone: str | None
    platforms: list[str]
    work_kinds: list[str]
    vehicle: str | None
    applied_at: datetime
    member_number: str | None
    reject_reason: str | None


class ApplicationList(BaseModel):
    applications: list[ApplicationOut]


class RejectIn(Model):
    reason: str = Field(min_length=1, max_length=300, pattern=VISIBLE)


def application_out(m: Membership) -> ApplicationOut:
    return ApplicationOut(
        id=m.id,  # type: ignore[arg-type]
        status=m.status.value,
        zone_id=m.zone_id,
        name=m.name,
        phone=m.phone,
        platforms=list(m.platforms or []),
        work_kinds=list(m.work_kinds or []),
        vehicle=m.vehicle,
        applied_at=m.applied_at,
        member_number=m.member_number,
        reject_reason=m.reject_reason,
    )


@api.op("GET", "/staff/applications", response=ApplicationList, tags=TAGS, errors=[403])
async def pending_applications(call: Call) -> ApplicationList:
    """Applications waiting for a decision in my zones, oldest first."""
    require_staff(call.me)
    rows = await own_view.pending_applications(call.session, actor=call.me)
    return ApplicationList(applications=[application_out(m) for m in rows])


@api.op(
    "POST",
    "/staff/applications/{membership_id}/approve",
    response=ApplicationOut,
    tags=TAGS,
    errors=ERRORS,
)
async def approve_application(call: Call) -> ApplicationOut:
    """Approve: a member number is given and the rider is told."""
    m = await membership_applications.decide(
        call.session,
        membership_id=call.path_int("membership_id"),
        actor=call.me,
        approve=True,
        tz=ZoneInfo(call.request.app[CTX].settings.timezone),
    )
    return application_out(m)


@api.op(
    "POST",
    "/staff/applications/{membership_id}/reject",
    body=RejectIn,
    response=ApplicationOut,
    tags=TAGS,
    errors=ERRORS,
)
async def reject_application(call: Call) -> ApplicationOut:
    """Reject with a reason the rider is told."""
    m = await membership_applications.decide(
        call.session,
        membership_id=call.path_int("membership_id"),
        actor=call.me,
        approve=False,
        reason=call.body.reason,
    )
    return application_out(m)
