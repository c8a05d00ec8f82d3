"""The case API's bodies and answers, and how a case, event or attachment becomes one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.endpoint import Call
from api.v1.schemas import VISIBLE, Model
from models import Case, CaseEvent, User
from models.cases import CaseAttachment
from services import limits as lim
from services.cases.access import is_staff
from services.cases.categories import policy
from services.cases.rider_view import CaseView, case_view

REPORTABLE = [c.code for c in policy().categories.values() if c.reportable]


class ReportIn(Model):
    category: str = Field(
        min_length=lim.NOT_EMPTY, max_length=lim.CODE_MAX, json_schema_extra={"enum": REPORTABLE}
    )
    description: str = Field(
        min_length=lim.NOT_EMPTY, max_length=lim.DESCRIPTION_MAX, pattern=VISIBLE
    )
    lat: float | None = Field(default=None, ge=lim.LAT_MIN, le=lim.LAT_MAX)
    lon: float | None = Field(default=None, ge=lim.LON_MIN, le=lim.LON_MAX)
    place: str | None = Field(default=None, max_length=lim.PLACE_MAX)
    anonymous: bool = False


class CaseOut(BaseModel):
    id: int
    ref: str
    category: str
    severity: str
    status: str
    summary: str
    place: str | None
    lat: float | None
    lon: float | None
    anonymous: bool
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime | None
    resolved_at: datetime | None
    merged_into_id: int | None
    rating: int | None
    rating_comment: str | None


class EventOut(BaseModel):
    id: int
    kind: str
    at: datetime
    actor: str | None = Field(description="who did it, when they are staff or the viewer")
    public: bool
    details: dict[str, Any]


class AttachmentOut(BaseModel):
    id: int
    kind: str
    mime_type: str | None
    size: int | None
    sha256: str | None
    created_at: datetime
    stored: bool = Field(
        description="kept by the desk and downloadable here; false for files sent in chat"
    )


class CaseDetail(BaseModel):
    case: CaseOut
    history: list[EventOut]
    attachments: list[AttachmentOut] = Field(description="the photos and voice notes I sent")


class CasePage(BaseModel):
    cases: list[CaseOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page")


class PageQuery(Model):
    cursor: str | None = Field(default=None, pattern=r"^c[0-9a-z]{1,7}$")
    limit: int = Field(default=20, ge=1, le=100)


class InfoIn(Model):
    text: str = Field(min_length=lim.NOT_EMPTY, max_length=lim.TEXT_MAX)


class InfoText(Model):
    """The words that may come with added photos."""

    text: str = Field(default="", max_length=lim.TEXT_MAX)


class ReopenIn(Model):
    reason: str = Field(default="", max_length=lim.REASON_MAX)


class RatingIn(Model):
    stars: int = Field(ge=lim.STARS_MIN, le=lim.STARS_MAX)
    comment: str | None = Field(default=None, max_length=lim.REASON_MAX)


def case_out(case: Case) -> CaseOut:
    """The whole case, as staff read it. Riders get `rider_case_out`."""
    return CaseOut(
        id=case.id,  # type: ignore[arg-type]
        ref=case.ref,
        category=case.category,
        severity=case.severity.value,
        status=case.status.value,
        summary=case.summary,
        place=case.place,
        lat=case.lat,
        lon=case.lon,
        anonymous=case.anonymous,
        created_at=case.created_at,
        updated_at=case.updated_at,
        first_response_due_at=case.first_response_due_at,
        resolved_at=case.resolved_at,
        merged_into_id=case.merged_into_id,
        rating=case.rating,
        rating_comment=case.rating_comment,
    )


def rider_case_out(view: CaseView) -> CaseOut:
    """A case as a rider reads it: every field comes from `services.cases.rider_view`."""
    return CaseOut(
        id=view.id,
        ref=view.ref,
        category=view.category,
        severity=view.severity,
        status=view.status,
        summary=view.summary,
        place=view.place,
        lat=view.lat,
        lon=view.lon,
        anonymous=view.anonymous,
        created_at=view.created_at,
        updated_at=view.updated_at,
        first_response_due_at=view.first_response_due_at,
        resolved_at=view.resolved_at,
        merged_into_id=view.merged_into_id,
        rating=view.rating,
        rating_comment=view.rating_comment,
    )


async def rider_out(call: Call, case: Case) -> CaseOut:
    return rider_case_out(await case_view(call.session, case=case, viewer=call.me))


def attachment_out(a: CaseAttachment) -> AttachmentOut:
    return AttachmentOut(
        id=a.id,  # type: ignore[arg-type]
        kind=a.kind.value,
        mime_type=a.mime_type,
        size=a.size,
        sha256=a.sha256,
        created_at=a.created_at,
        stored=bool(a.path),
    )


def event_out(event: CaseEvent, actor: User | None, *, viewer: User) -> EventOut:
    named = actor is not None and (is_staff(actor) or actor.id == viewer.id)
    return EventOut(
        id=event.id,  # type: ignore[arg-type]
        kind=event.kind,
        at=event.created_at,
        actor=actor.display_name if named and actor else None,
        public=event.public,
        details=event.payload or {},
    )
