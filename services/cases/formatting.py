"""How a case reads in chat: cards, history lines, and long text split for Telegram."""

from __future__ import annotations

from datetime import datetime

from models import Case, CaseEvent, User
from services.cases.categories import category
from services.limits import DESCRIPTION_MAX
from services.local_time import local_time
from services.privacy.erasure import person_label
from services.texts import Raw, text

TELEGRAM_LIMIT = 4096
# The longest description or question a rider may write: what a representative reads at once.
MAX_TEXT = DESCRIPTION_MAX


def local(dt: datetime | None, tz: str | None = None) -> str:
    """A moment as people here read it: in `tz`, else the desk's zone (services/local_time)."""
    return local_time(dt, tz)


def split_text(body: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Whole text in pieces that each fit one message, cut at a line break or space if one
    is near; nothing is dropped."""
    pieces: list[str] = []
    rest = body
    while len(rest) > limit:
        cut = rest.rfind("\n", limit // 2, limit)
        if cut < 0:
            cut = rest.rfind(" ", limit // 2, limit)
        if cut < 0:
            cut = limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n") if rest[cut : cut + 1] == "\n" else rest[cut:]
    pieces.append(rest)
    return pieces


def status_name(lang: str, case: Case) -> str:
    return text(lang, f"cases.status.{case.status.value}")


def severity_name(lang: str, severity: str) -> str:
    return text(lang, f"cases.severity.{severity}")


def category_name(lang: str, code: str) -> str:
    return category(code).name(lang)


def place_of(lang: str, case: Case) -> str:
    if case.place:
        where = case.place
    elif case.lat is not None and case.lon is not None:
        where = f"{case.lat:.5f}, {case.lon:.5f}"
    else:
        where = text(lang, "cases.place_none")
    if case.outside_area:
        where += " " + text(lang, "cases.outside_area")
    return where


def excerpt(body: str, n: int = 300) -> str:
    return body if len(body) <= n else body[: n - 1] + "…"


def event_line(
    lang: str, event: CaseEvent, *, viewer: User, actor: User | None, tz: str | None = None
) -> str:
    """One line of a case's history. Riders other than the viewer stay unnamed."""
    if actor is None:
        who = text(lang, "cases.who.system")
    elif actor.id == viewer.id:
        who = text(lang, "cases.who.you")
    elif actor.role.value == "rider" and not _is_staff_viewer(viewer):
        who = text(lang, "cases.who.rider")
    else:
        who = person_label(actor, lang) or text(lang, "cases.who.rider")
    what = text(lang, f"cases.event.{event.kind}", **event_values(lang, event))
    when = local(event.created_at, tz)
    return text(lang, "cases.history_line", when=when, who=who, what=Raw(what))


def _is_staff_viewer(viewer: User) -> bool:
    return viewer.role.value in ("rep", "senior", "admin")


def event_values(lang: str, event: CaseEvent) -> dict[str, object]:
    p = event.payload or {}
    values: dict[str, object] = {
        "text": excerpt(str(p.get("text", "")), 600),
        "ref": p.get("ref", ""),
        "name": p.get("name", ""),
        "stars": p.get("stars", ""),
        "count": p.get("count", ""),
        "severity": "",
        "status": "",
    }
    if "severity" in p:
        values["severity"] = severity_name(lang, p["severity"])
    if "status" in p:
        values["status"] = text(lang, f"cases.status.{p['status']}")
    # A catalogue key the event names (e.g. an injury claim's stage), read in the reader's language.
    values["label"] = text(lang, p["label"]) if "label" in p else ""
    return values
