"""Members: applications waiting (approve or reject, through the membership service), members
by zone, platform and kind of work, recruits per representative, a phone revealed on purpose."""

from __future__ import annotations

from aiohttp import web

from services.desk import members
from services.errors import DomainError
from services.membership import applications as membership_applications
from services.membership.members import mask_phone
from services.texts import text
from web.guard import Desk, staff_only
from web.keys import CTX
from web.render import Names, csv_response, redirect

routes = web.RouteTableDef()
DONE = ("approved", "rejected")


async def _page(desk: Desk, *, error: object = None, status: int = 200) -> web.Response:
    return desk.render(
        "members.html",
        status=status,
        applications=await members.waiting(desk.session, actor=desk.me),
        figures=await members.figures(desk.session, actor=desk.me),
        mask_phone=mask_phone,
        done=desk.request.query.get("done") if desk.request.query.get("done") in DONE else "",
        error=error,
    )


@routes.get("/members", name="members")
@staff_only
async def members_page(desk: Desk) -> web.StreamResponse:
    return await _page(desk)


@routes.get("/members/applications.csv", name="applications_csv")
@staff_only
async def applications_csv(desk: Desk) -> web.StreamResponse:
    """The applications waiting, with names; phones masked as on the page."""
    t, n = desk.t, Names(desk.lang, desk.request.app[CTX].settings.timezone)
    header = [
        str(t(f"desk.members.{c}"))
        for c in ("name", "phone", "zone", "platforms", "work", "applied", "referrer")
    ]
    rows = [
        [
            a.membership.name or n.person(a.user),
            mask_phone(a.membership.phone),
            n.zone(a.zone),
            ", ".join(text(desk.lang, f"membership.platform.{p}") for p in a.membership.platforms),
            ", ".join(text(desk.lang, f"membership.kind.{k}") for k in a.membership.work_kinds),
            n.when(a.membership.applied_at),
            n.person(a.referrer) if a.referrer else "",
        ]
        for a in await members.waiting(desk.session, actor=desk.me)
    ]
    return csv_response(header, rows, filename="applications.csv")


@routes.get("/members/figures.csv", name="member_figures_csv")
@staff_only
async def figures_csv(desk: Desk) -> web.StreamResponse:
    """Members by zone, platform and kind of work: one row per figure, named."""
    t, n = desk.t, Names(desk.lang, desk.request.app[CTX].settings.timezone)
    figures = await members.figures(desk.session, actor=desk.me)
    header = [str(t(f"desk.csv.{c}")) for c in ("figure", "name", "count")]
    rows: list[list[object]] = [
        [str(t("desk.members.by_zone")), n.zone(zone), count] for zone, count in figures.by_zone
    ]
    rows += [
        [str(t("desk.members.by_platform")), text(desk.lang, f"membership.platform.{p}"), count]
        for p, count in figures.by_platform.items()
    ]
    rows += [
        [str(t("desk.members.by_work_kind")), text(desk.lang, f"membership.kind.{k}"), count]
        for k, count in figures.by_work_kind.items()
    ]
    return csv_response(header, rows, filename="members-figures.csv")


@routes.get("/members/recruits.csv", name="recruits_csv")
@staff_only
async def recruits_csv(desk: Desk) -> web.StreamResponse:
    """Recruits per representative: active members and applications still waiting."""
    t, n = desk.t, Names(desk.lang, desk.request.app[CTX].settings.timezone)
    figures = await members.figures(desk.session, actor=desk.me)
    header = [str(t(f"desk.members.{c}")) for c in ("representative", "active", "pending")]
    rows = [[n.person(rep), active, pending] for rep, active, pending in figures.recruits]
    return csv_response(header, rows, filename="recruits.csv")


def _member_id(desk: Desk) -> int:
    return int(desk.request.match_info["membership_id"])


@routes.post("/members/{membership_id:\\d{1,9}}/decide", name="member_decide")
@staff_only
async def decide(desk: Desk) -> web.StreamResponse:
    form = await desk.request.post()
    approve = form.get("decision") == "approve"
    try:
        async with desk.session.begin_nested():
            await membership_applications.decide(
                desk.session,
                membership_id=_member_id(desk),
                actor=desk.me,
                approve=approve,
                reason=str(form.get("reason", "")),
                tz=desk.request.app[CTX].settings.zone,
            )
    except DomainError as exc:
        return await _page(desk, error=desk.t.error(exc.code, exc.params), status=exc.status)
    done = "approved" if approve else "rejected"
    return redirect(desk.url("members", query={"done": done}))


@routes.post("/members/{membership_id:\\d{1,9}}/phone", name="member_phone")
@staff_only
async def reveal_phone(desk: Desk) -> web.StreamResponse:
    """The whole number, on purpose: recorded in the audit trail."""
    phone = await members.reveal_phone(desk.session, actor=desk.me, membership_id=_member_id(desk))
    return desk.render("phone.html", phone=phone)
