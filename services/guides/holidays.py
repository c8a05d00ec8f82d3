"""Public holidays for `PH` in opening_hours and for office-hours calendars, from data.

China's holidays move every year (lunar dates, bridged days announced each November), so
they are data the operator updates, not code: see routes_data/holidays/cn.txt. The same file
lists the make-up working days (调休上班: a Saturday or Sunday worked to bridge a holiday),
marked `workday`; opening_hours' PH needs only the days off, the SLA calendars need both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

WORKDAY = "workday"  # the word after a date that makes it a make-up working day


class HolidaysError(ValueError):
    pass


@dataclass(frozen=True)
class HolidayCalendar:
    days_off: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)  # worked although a weekend


def parse_holiday_calendar(text: str, source: str = "HOLIDAYS") -> HolidayCalendar:
    """One date (YYYY-MM-DD) a line, or comma separated. A date followed by the word
    `workday` is a make-up working day; any other words after a date (the holiday's name)
    and `#` comments are ignored, so a plain date is a day off. A date both off and worked is
    an error naming both lines."""
    off: dict[date, int] = {}
    worked: dict[date, int] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0]
        for item in line.split(","):
            words = item.split()
            if not words:
                continue
            try:
                day = date.fromisoformat(words[0])
            except ValueError as exc:
                raise HolidaysError(
                    f"{source} line {n}: {words[0]!r} is not a YYYY-MM-DD date"
                ) from exc
            is_workday = len(words) > 1 and words[1].lower() == WORKDAY
            (worked if is_workday else off).setdefault(day, n)
            if day in off and day in worked:
                raise HolidaysError(
                    f"{source} line {n}: {day} is listed both as a day off (line {off[day]}) "
                    f"and as a make-up working day (line {worked[day]})"
                )
    return HolidayCalendar(frozenset(off), frozenset(worked))


def parse_holidays(text: str, source: str = "HOLIDAYS") -> frozenset[date]:
    """The days off only (what opening_hours' `PH` means)."""
    return parse_holiday_calendar(text, source).days_off


def load_holiday_calendar(spec: str, root: Path | None = None) -> HolidayCalendar:
    """`spec` is a path to a holiday file (relative to `root`), or dates separated by commas;
    empty means no holidays."""
    spec = spec.strip()
    if not spec:
        return HolidayCalendar()
    if spec[:4].isdigit() and "-" in spec[:8]:
        return parse_holiday_calendar(spec)
    path = Path(spec)
    if not path.is_absolute() and root is not None:
        path = root / path
    try:
        return parse_holiday_calendar(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise HolidaysError(f"cannot read holiday file {path}: {exc.strerror}") from exc


def load_holidays(spec: str, root: Path | None = None) -> frozenset[date]:
    """The days off of `load_holiday_calendar(spec, root)`."""
    return load_holiday_calendar(spec, root).days_off
