"""Route answers and handbook topics as riders read them, in their language (Telegram HTML).

Times are shown in the configured zone: "开放中，22:00 关闭" / "open now, closes 22:00";
distances as "350 米" / "1.2 公里".
"""

from __future__ import annotations

import html
import re
from datetime import datetime, tzinfo

from services.texts import text

from .handbook import Topic
from .routes import Building, Compound, Entrance, EntranceChoice


def distance(lang: str, metres: float) -> str:
    if metres < 1000:
        return text(lang, "guides.distance_m", n=int(round(metres / 10) * 10))
    return text(lang, "guides.distance_km", km=f"{metres / 1000:.1f}")


def when(lang: str, moment: datetime, now: datetime, tz: tzinfo) -> str:
    """ "22:00" today, "明天 07:00" tomorrow, "周六 08:00" this week, else "10月8日 08:00"."""
    local, today = moment.astimezone(tz), now.astimezone(tz).date()
    hm = local.strftime("%H:%M")
    days = (local.date() - today).days
    if days <= 0:
        return hm
    if days == 1:
        return text(lang, "guides.when_tomorrow", hm=hm)
    if days < 7:
        weekday = text(lang, "guides.weekdays").split(",")[local.weekday()]
        return text(lang, "guides.when_weekday", day=weekday, hm=hm)
    return text(lang, "guides.when_date", month=local.month, day=local.day, hm=hm)


def entrance_name(lang: str, entrance: Entrance) -> str:
    return entrance.name or text(lang, "guides.gate_unnamed", id=entrance.id)


def state(lang: str, choice: EntranceChoice, now: datetime, tz: tzinfo) -> str:
    """Open/closed and when that changes; the raw opening_hours text when we cannot read it
    (better the rider reads the sign than we guess)."""
    e = choice.entrance
    if choice.state == "unknown":
        return text(lang, "guides.state_unknown", raw=e.opening_hours or "")
    if choice.state == "open":
        if choice.closes_at is None:
            return text(lang, "guides.state_open_always")
        return text(lang, "guides.state_open_until", when=when(lang, choice.closes_at, now, tz))
    if choice.opens_at is None:
        return text(lang, "guides.state_closed_long")
    return text(lang, "guides.state_closed_until", when=when(lang, choice.opens_at, now, tz))


def note(lang: str, thing: Compound | Entrance | Building) -> str | None:
    return (thing.note_en or thing.note_zh) if lang == "en" else (thing.note_zh or thing.note_en)


def compound_name(lang: str, compound: Compound) -> str:
    if lang == "en" and compound.name_en:
        return f"{compound.name_en} ({compound.name})"
    return compound.name


def entrance_line(lang: str, choice: EntranceChoice, now: datetime, tz: tzinfo) -> str:
    """One gate as an HTML line: name, state, and the riders' note under it."""
    line = text(
        lang,
        "guides.entrance_line",
        name=entrance_name(lang, choice.entrance),
        state=state(lang, choice, now, tz),
    )
    extra = note(lang, choice.entrance)
    return f"{line}\n    📝 {html.escape(extra, quote=False)}" if extra else line


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def topic_html(topic: Topic) -> str:
    """The handbook's small Markdown (headings, **bold**, - lists) as Telegram HTML."""
    lines = [f"<b>{html.escape(topic.title, quote=False)}</b>", ""]
    for raw in topic.body.splitlines():
        line = html.escape(raw, quote=False)
        heading = re.match(r"^#+\s+(.*)$", line)
        if heading:
            if heading.group(1).strip() == html.escape(topic.title, quote=False):
                continue  # already the message's title
            line = f"<b>{heading.group(1)}</b>"
        line = re.sub(r"^(\s*)[-*]\s+", r"\1• ", line)
        lines.append(_BOLD.sub(r"<b>\1</b>", line))
    return "\n".join(lines).strip()
