"""Admins: unresolved and overdue cases in every zone with filters, statistics, CSV export.
Only admins pass; the check is in services.cases."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from api.endpoint import Call
from api.v1 import api
from api.v1.schemas import Model
from api.v1.staff_schemas import StaffCase, staff_case
from services.cases import oversight
from services.csv_export import csv_bytes

TAGS = ["admin"]


class AdminQuery(Model):
    zone_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    category: str | None = Field(default=None, max_length=32)
    overdue: bool = False
    page: int = Field(default=0, ge=0, le=10_000)
    size: int = Field(default=50, ge=1, le=200)


class AdminCases(BaseModel):
    cases: list[StaffCase]
    total: int
    page: int


class Stats(BaseModel):
    by_status: dict[str, int]
    by_category: dict[str, int]
    by_zone: dict[str, int]
    open: dict[str, int] = Field(description="open cases: total and overdue")


@api.op("GET", "/admin/cases", query=AdminQuery, response=AdminCases, tags=TAGS, errors=[403])
async def unresolved_cases(call: Call) -> AdminCases:
    """Unresolved cases in every zone, oldest first; ?overdue=true for the overdue ones."""
    q = call.query
    rows, total = await oversight.unresolved(
        call.session,
        actor=call.me,
        zone_id=q.zone_id,
        category_code=q.category,
        overdue_only=q.overdue,
        limit=q.size,
        offset=q.page * q.size,
    )
    return AdminCases(cases=[staff_case(c) for c in rows], total=total, page=q.page)


@api.op("GET", "/admin/stats", response=Stats, tags=TAGS, errors=[403])
async def case_stats(call: Call) -> Stats:
    """Case counts by status, category and zone, and how many open cases are overdue."""
    return Stats(**await oversight.stats(call.session, actor=call.me))


class CsvQuery(Model):
    zone_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    category: str | None = Field(default=None, max_length=32)
    overdue: bool = False


COLUMNS = ["ref", "status", "severity", "category", "zone_id", "assignee_id", "overdue",
           "created_at", "first_response_due_at", "place"]  # fmt: skip


@api.op("GET", "/admin/cases.csv", query=CsvQuery, tags=TAGS, errors=[403], content_type="text/csv")
async def export_unresolved_csv(call: Call) -> web.Response:
    """The same unresolved cases as a CSV file (UTF-8 with BOM, so spreadsheets read Chinese)."""
    q = call.query
    rows, _ = await oversight.unresolved(
        call.session,
        actor=call.me,
        zone_id=q.zone_id,
        category_code=q.category,
        overdue_only=q.overdue,
        limit=10_000,
    )
    body = csv_bytes(
        COLUMNS,
        [
            [
                s.ref,
                s.status,
                s.severity,
                s.category,
                s.zone_id or "",
                s.assignee_id or "",
                "yes" if s.overdue else "no",
                s.created_at.isoformat(),
                s.first_response_due_at.isoformat() if s.first_response_due_at else "",
                s.place or "",
            ]
            for s in (staff_case(c) for c in rows)
        ],
    )
    return web.Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="unresolved-cases.csv"'},
    )
