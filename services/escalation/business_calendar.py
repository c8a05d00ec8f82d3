"""Working-time arithmetic: "2 business hours after Friday 17:30" is Monday 10:30.

A calendar is either round the clock or working hours on given weekdays, skipping holidays and
working the make-up days (调休: a Saturday worked to bridge a holiday), whatever their weekday.
All arguments and results are aware UTC datetimes; the hours are read in the calendar's zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 3660  # a calendar with no working day at all must not loop forever


@dataclass(frozen=True)
class Calendar:
    name: str
    tz: ZoneInfo
    always: bool = True
    weekdays: frozenset[int] = frozenset(range(5))  # Monday = 0
    start: time = time(9)
    end: time = time(18)
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)  # make-up days, worked

    def works_on(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() in self.weekdays and day not in self.holidays

    def _span(self, day: date) -> tuple[datetime, datetime]:
        lo = datetime.combine(day, self.start, self.tz).astimezone(UTC)
        return lo, datetime.combine(day, self.end, self.tz).astimezone(UTC)

    def _spans(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods (UTC) that end after `since`, in order; the first may start earlier."""
        day = since.astimezone(self.tz).date()
        for _ in range(MAX_DAYS):
            if self.works_on(day):
                lo, hi = self._span(day)
                if hi > since:
                    yield lo, hi
            day += timedelta(days=1)
        raise ValueError(f"calendar {self.name} has no working time")

    def _spans_back(self, until: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods (UTC) that start before `until`, latest first; the first may end
        later."""
        day = until.astimezone(self.tz).date()
        for _ in range(MAX_DAYS):
            if self.works_on(day):
                lo, hi = self._span(day)
                if lo < until:
                    yield lo, hi
            day -= timedelta(days=1)
        raise ValueError(f"calendar {self.name} has no working time")

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` of working time after `start`."""
        if self.always:
            return start + timedelta(minutes=minutes)
        left = timedelta(minutes=minutes)
        for lo, hi in self._spans(start):
            begin = max(lo, start)
            if begin + left <= hi:
                return begin + left
            left -= hi - begin
        raise AssertionError("unreachable")

    def subtract(self, end: datetime, minutes: float) -> datetime:
        """The latest moment with `minutes` of working time from it to `end`: "15 minutes
        before" a Monday 09:10 deadline is Friday 17:55 in office hours. Zero minutes outside
        working time gives the end of the last working period before `end`."""
        if self.always:
            return end - timedelta(minutes=minutes)
        left = timedelta(minutes=minutes)
        for lo, hi in self._spans_back(end):
            finish = min(hi, end)
            if finish - left >= lo:
                return finish - left
            left -= finish - lo
        raise AssertionError("unreachable")

    def between(self, start: datetime, end: datetime) -> float:
        """Working minutes from `start` to `end` (0 when `end` is not later)."""
        if end <= start:
            return 0.0
        if self.always:
            return (end - start).total_seconds() / 60
        total = timedelta()
        for lo, hi in self._spans(start):
            if lo >= end:
                break
            total += min(hi, end) - max(lo, start)
        return total.total_seconds() / 60
