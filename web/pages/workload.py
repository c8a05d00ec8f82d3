"""Workload: per representative, open cases, taken today, median first answer (working
minutes of the escalation calendars) and deadlines broken this week. The numbers are
services.desk_stats'; this page only shows them."""

from __future__ import annotations

from aiohttp import web

from models.types import utcnow
from services import desk_stats
from services.escalation import overdue_text
from web.guard import Desk, staff_only
from web.keys import CTX

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
