"""Workload: per representative, open cases, taken today, median first answer (working
minutes of the escalation calendars) and deadlines broken this week. The numbers are
services.desk.stats'; this page only shows them."""

from __future__ import annotations

from aiohttp import web

from models.types import utcnow
from services.desk import stats as desk_stats
from services.escalation.notices import overdue_text
from web.guard import Desk, staff_only
from web.keys import CTX
from web.render import csv_response

routes = web.RouteTableDef()


@routes.get("/workload", name="workload")
@staff_only
async def workload(desk: Desk) -> web.StreamResponse:
    tz = desk.request.app[CTX].settings.timezone
    rows = await desk_stats.workload(desk.session, actor=desk.me, now=utcnow(), tz=tz)
    spans = {
        r.user_id: overdue_text(desk.lang, r.median_first_answer)
        for r in rows
        if r.median_first_answer is not None
    }
    return desk.render("workload.html", rows=rows, spans=spans)


@routes.get("/workload.csv", name="workload_csv")
@staff_only
async def workload_csv(desk: Desk) -> web.StreamResponse:
    """The table as shown; the median as a number of working minutes, for a spreadsheet."""
    tz = desk.request.app[CTX].settings.timezone
    rows = await desk_stats.workload(desk.session, actor=desk.me, now=utcnow(), tz=tz)
    columns = ("rep", "open", "taken_today", "median_minutes", "breaches")
    header = [str(desk.t(f"desk.workload.{c}")) for c in columns]
    lines = [
        [
            r.name,
            r.open_cases,
            r.taken_today,
            "" if r.median_first_answer is None else round(r.median_first_answer),
            r.breaches_this_week,
        ]
        for r in rows
    ]
    return csv_response(header, lines, filename="workload.csv")
