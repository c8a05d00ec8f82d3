"""/mydata as a person can read it: what the union keeps about them, in a few lines, beside the
complete JSON file. Read from the export itself, so the two never disagree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.activists import privacy as volunteering
from services.cases.formatting import category_name
from services.errors import Invalid
from services.local_time import local_date
from services.texts import Raw, text


def _day(value: Any) -> str:
    try:
        return local_date(datetime.fromisoformat(value)) if value else "—"
    except (TypeError, ValueError):
        return "—"


def _category(lang: str, code: str) -> str:
    try:
        return category_name(lang, code)
    except Invalid:
        return code


def summary(lang: str, data: dict[str, Any]) -> str:
    user = data.get("user") or {}
    memberships = [
        text(
            lang,
            "mydata.membership",
            number=m.get("member_number") or "—",
            status=text(lang, f"membership.status.{m.get('status')}"),
            name=m.get("name") or "—",
            phone=m.get("phone") or "—",
            applied=_day(m.get("applied_at")),
            joined=_day(m.get("joined_at")),
        )
        for m in data.get("memberships") or []
    ]
    cases = [
        text(
            lang,
            "mydata.case",
            ref=c.get("ref", ""),
            category=_category(lang, str(c.get("category", ""))),
            status=text(lang, f"cases.status.{c.get('status')}"),
            created=_day(c.get("created_at")),
        )
        for c in data.get("cases") or []
    ]
    none = text(lang, "mydata.none")
    extra = volunteering.summary(lang, data)
    agenda = data.get("agenda") or {}
    answers = data.get("survey_answers") or []
    body = text(
        lang,
        "mydata.summary",
        name=user.get("display_name") or "—",
        language=user.get("language") or "—",
        since=_day(user.get("created_at")),
        memberships=Raw("\n".join(memberships) or none),
        cases=Raw("\n".join(cases) or none),
        code=data.get("referral_code") or "—",
    )
    body += "\n" + text(
        lang,
        "mydata.agenda",
        supports=len(agenda.get("supports") or []),
        answers=len(agenda.get("meeting_answers") or []),
        proposals=len(agenda.get("proposals") or []),
    )
    injuries = [
        text(
            lang,
            "accident.mydata_claim",
            scheme=text(lang, f"accident.scheme.{c.get('scheme')}"),
            stage=text(lang, f"accident.stage.{c.get('stage')}"),
            accident=c.get("accident_on") or "—",
            injury=c.get("injury") or "—",
            hospital=c.get("hospital") or "—",
        )
        for c in data.get("injury_claims") or []
    ]
    if answers:
        body += "\n" + text(lang, "mydata.survey_answers", n=len(answers))
    bookings = data.get("station_bookings") or []
    if bookings:
        # /leave deletes all but the done ones (services/stations/privacy.py): say which stay.
        done = sum(1 for b in bookings if b.get("status") == "done")
        body += "\n" + text(lang, "mydata.station_bookings", n=len(bookings), done=done)
    if serving := data.get("station_volunteering") or []:
        stations = ", ".join(str(v.get("station_id", "")) for v in serving)
        body += "\n" + text(lang, "mydata.station_volunteering", stations=stations)
    if injuries:
        body += "\n\n" + text(lang, "accident.mydata", claims=Raw("\n".join(injuries)))
    return body + (f"\n\n{extra}" if extra else "")
