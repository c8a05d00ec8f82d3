"""The SLA policy file: deadlines by category and severity, calendars, the escalation ladder.

A bad file stops start-up with a line (syntax) or the key path (meaning) and the reason, so an
operator's edit never fails later inside the scheduler.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, time
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from models import Severity
from services.escalation.business_calendar import Calendar
from services.local_time import time_zone

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "sla_policy.toml"
CLOCKS = ("first_response", "next_update", "resolution")
AUDIENCES = ("assignee_or_on_duty", "zone_seniors", "admins")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class Rung:
    level: int
    after_minutes: int
    notify: str


@dataclass(frozen=True)
class Terms:
    """What one category promises at one severity."""

    calendar: Calendar
    first_response: int
    next_update: int
    resolution: int


@dataclass(frozen=True)
class SlaPolicy:
    warning_lead_minutes: int
    ladder: tuple[Rung, ...]
    calendars: dict[str, Calendar]
    _default: dict[str, Any]
    _categories: dict[str, dict[str, Any]]
    remind_after_days: float = 2
    close_after_days: float = 7
    digest_time: time = time(9)  # local time of the admins' daily digest

    def terms(self, category: str, severity: Severity | str) -> Terms:
        override = self._categories.get(category, {})
        sev = Severity(severity).value

        def minutes(clock: str) -> int:
            return int(override.get(clock, {}).get(sev, self._default[clock][sev]))

        calendar = self.calendars[override.get("calendar", self._default["calendar"])]
        return Terms(calendar, *(minutes(c) for c in CLOCKS))

    def rung(self, level: int) -> Rung:
        return next(r for r in self.ladder if r.level == level)


def _fail(path: str, reason: str) -> PolicyError:
    return PolicyError(f"{path}: {reason}")


def _minutes(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(where, f"expected whole minutes ≥ 0, got {value!r}")
    return value


def _clock_table(value: Any, where: str, *, complete: bool) -> dict[str, int]:
    if not isinstance(value, dict):
        raise _fail(where, "expected a table of severities, e.g. { urgent = 30, normal = 480 }")
    names = {s.value for s in Severity}
    for key in value:
        if key not in names:
            raise _fail(f"{where}.{key}", f"unknown severity (expected one of {sorted(names)})")
    if complete and (missing := names - set(value)):
        raise _fail(where, f"lacks {sorted(missing)}")
    return {k: _minutes(v, f"{where}.{k}") for k, v in value.items()}


def _time(value: Any, where: str) -> time:
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise _fail(where, f'expected a time like "09:00", got {value!r}') from None


def _calendar(
    name: str, raw: Any, tz: ZoneInfo, holidays: frozenset[date], workdays: frozenset[date]
) -> Calendar:
    where = f"calendar.{name}"
    if not isinstance(raw, dict):
        raise _fail(where, "expected a table")
    hours = raw.get("hours")
    if hours == "24/7":
        return Calendar(name, tz)
    if hours != "business":
        raise _fail(f"{where}.hours", f'expected "24/7" or "business", got {hours!r}')
    days = raw.get("days", list(DAYS[:5]))
    if not isinstance(days, list) or not days or any(d not in DAYS for d in days):
        raise _fail(f"{where}.days", f"expected a list of {', '.join(DAYS)}")
    start = _time(raw.get("start", "09:00"), f"{where}.start")
    end = _time(raw.get("end", "18:00"), f"{where}.end")
    if end <= start:
        raise _fail(f"{where}.end", "must be later than start")
    skip = raw.get("skip_holidays", True)
    if not isinstance(skip, bool):
        raise _fail(f"{where}.skip_holidays", "expected true or false")
    # Not skipping holidays means plain weekdays: no days off, and no make-up days either.
    return Calendar(
        name,
        tz,
        always=False,
        weekdays=frozenset(DAYS.index(d) for d in days),
        start=start,
        end=end,
        holidays=holidays if skip else frozenset(),
        workdays=workdays if skip else frozenset(),
    )


def parse_policy(
    text: str,
    *,
    source: str = "sla_policy.toml",
    tz: str | None = None,
    holidays: frozenset[date] = frozenset(),
    workdays: frozenset[date] = frozenset(),
    known_categories: frozenset[str] | None = None,
) -> SlaPolicy:
    """`holidays` are days off, `workdays` the make-up working days (services.guides.holidays
    reads both from the HOLIDAYS file)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message carries "(at line N, column M)"
        raise PolicyError(f"{source}: {exc}") from None
    try:
        if both := sorted(holidays & workdays):
            raise _fail("holidays", f"{both[0]} is both a day off and a make-up working day")
        return _build(raw, time_zone(tz), holidays, workdays, known_categories)
    except PolicyError as exc:
        raise PolicyError(f"{source}: {exc}") from None


def _build(
    raw: dict[str, Any],
    tz: ZoneInfo,
    holidays: frozenset[date],
    workdays: frozenset[date],
    known: frozenset[str] | None,
) -> SlaPolicy:
    for key in raw:
        if key not in (
            "warning_lead_minutes",
            "calendar",
            "default",
            "category",
            "ladder",
            "waiting_for_rider",
            "digest",
        ):
            raise _fail(key, "unknown key")
    lead = _minutes(raw.get("warning_lead_minutes", 15), "warning_lead_minutes")
    cal_raw = raw.get("calendar")
    if not isinstance(cal_raw, dict) or not cal_raw:
        raise _fail("calendar", "define at least one calendar, e.g. [calendar.always]")
    calendars = {
        name: _calendar(name, body, tz, holidays, workdays) for name, body in cal_raw.items()
    }

    def calendar_name(value: Any, where: str) -> str:
        if value not in calendars:
            raise _fail(where, f"unknown calendar {value!r} (defined: {sorted(calendars)})")
        return str(value)

    default = raw.get("default")
    if not isinstance(default, dict):
        raise _fail("default", "missing table [default]")
    parsed_default: dict[str, Any] = {
        "calendar": calendar_name(default.get("calendar"), "default.calendar")
    }
    for clock in CLOCKS:
        parsed_default[clock] = _clock_table(default.get(clock), f"default.{clock}", complete=True)
    for key in default:
        if key not in ("calendar", *CLOCKS):
            raise _fail(f"default.{key}", "unknown key")

    categories: dict[str, dict[str, Any]] = {}
    for code, body in (raw.get("category") or {}).items():
        where = f"category.{code}"
        if known is not None and code not in known:
            raise _fail(where, f"unknown category (known: {sorted(known)})")
        if not isinstance(body, dict):
            raise _fail(where, "expected a table")
        parsed: dict[str, Any] = {}
        for key, value in body.items():
            if key == "calendar":
                parsed[key] = calendar_name(value, f"{where}.calendar")
            elif key in CLOCKS:
                parsed[key] = _clock_table(value, f"{where}.{key}", complete=False)
            else:
                raise _fail(f"{where}.{key}", "unknown key")
        categories[code] = parsed

    ladder_raw = raw.get("ladder")
    if not isinstance(ladder_raw, list) or not ladder_raw:
        raise _fail("ladder", "define the levels as [[ladder]] tables")
    rungs: list[Rung] = []
    for i, item in enumerate(ladder_raw):
        where = f"ladder[{i}]"
        if item.get("level") != i + 1:
            raise _fail(f"{where}.level", f"expected {i + 1} (levels count up from 1)")
        after = _minutes(item.get("after_minutes"), f"{where}.after_minutes")
        if rungs and after < rungs[-1].after_minutes:
            raise _fail(f"{where}.after_minutes", "must not be earlier than the level before")
        if item.get("notify") not in AUDIENCES:
            raise _fail(f"{where}.notify", f"expected one of {', '.join(AUDIENCES)}")
        rungs.append(Rung(i + 1, after, item["notify"]))
    waiting = raw.get("waiting_for_rider", {})
    days: dict[str, float] = {}
    for key, fallback in (("remind_after_days", 2), ("close_after_days", 7)):
        value = waiting.get(key, fallback)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise _fail(f"waiting_for_rider.{key}", f"expected days > 0, got {value!r}")
        days[key] = float(value)
    for key in waiting:
        if key not in days:
            raise _fail(f"waiting_for_rider.{key}", "unknown key")
    digest = raw.get("digest", {})
    for key in digest:
        if key != "local_time":
            raise _fail(f"digest.{key}", "unknown key")
    digest_time = _time(digest.get("local_time", "09:00"), "digest.local_time")
    return SlaPolicy(
        lead, tuple(rungs), calendars, parsed_default, categories, **days, digest_time=digest_time
    )


def load_policy(
    path: Path | str,
    *,
    tz: str | None = None,
    holidays: frozenset[date] = frozenset(),
    workdays: frozenset[date] = frozenset(),
) -> SlaPolicy:
    from services.cases.categories import policy as category_policy

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"cannot read {path}: {exc.strerror}") from None
    known = frozenset(category_policy().categories)
    return parse_policy(
        text,
        source=str(path),
        tz=tz,
        holidays=holidays,
        workdays=workdays,
        known_categories=known,
    )


_installed: SlaPolicy | None = None
SHIPPED_HOLIDAYS = "routes_data/holidays/cn.txt"


def install(policy: SlaPolicy | None) -> None:
    """Put a policy in force. Loading the settings installs the file SLA_POLICY names (with
    TIMEZONE and HOLIDAYS: days off and make-up working days), so every process that starts
    runs the configured policy."""
    global _installed
    _installed = policy


@cache
def _shipped() -> SlaPolicy:
    from services.guides.holidays import load_holiday_calendar

    root = Path(__file__).resolve().parents[2]
    days = load_holiday_calendar(SHIPPED_HOLIDAYS, root)
    return load_policy(DEFAULT_PATH, holidays=days.days_off, workdays=days.workdays)


def active() -> SlaPolicy:
    """The policy in force: the installed one, else the shipped file."""
    return _installed if _installed is not None else _shipped()
