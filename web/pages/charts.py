"""Charts: new vs resolved per day, median first answer and SLA breach rate per week, wages
claimed vs recovered per month, members joined per week. The series are services.desk.stats';
the page hands them to Chart.js (vendored) as JSON with the labels in the page's language."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from models.types import utcnow
from services.desk import stats as desk_stats
from web.guard import Desk, staff_only
from web.keys import CTX

routes = web.RouteTableDef()

# chart id → (service, chart type, {dataset key: colour}); names come from the catalogue
CHARTS: dict[str, tuple[Any, str, dict[str, str]]] = {
    "cases": (desk_stats.cases_per_day, "bar", {"new": "#c0392b", "resolved": "#1e7b46"}),
    "answers": (desk_stats.answers_per_week, "line", {"median_first_answer": "#1a55b3"}),
    "breaches": (desk_stats.answers_per_week, "line", {"breach_rate": "#b35900"}),
    "wages": (desk_stats.wages_per_month, "bar", {"claimed": "#b3261e", "recovered": "#1e7b46"}),
    "members": (desk_stats.members_per_week, "bar", {"joined": "#6b3fa0"}),
}


@routes.get("/charts", name="charts")
@staff_only
async def charts(desk: Desk) -> web.StreamResponse:
    tz = desk.request.app[CTX].settings.timezone
    now = utcnow()
    fetched: dict[Any, desk_stats.Series] = {}
    data: dict[str, Any] = {}
    for chart, (service, kind, colours) in CHARTS.items():
        if service not in fetched:
            fetched[service] = await service(desk.session, actor=desk.me, now=now, tz=tz)
        series = fetched[service]
        data[chart] = {
            "type": kind,
            "labels": series.labels,
            "datasets": [
                {
                    "key": key,
                    "label": str(desk.t(f"desk.charts.series.{key}")),
                    "data": series.datasets[key],
                    "color": colour,
                }
                for key, colour in colours.items()
            ],
        }
    return desk.render("charts.html", charts=list(CHARTS), data=data)
