"""A small evaluator for the OSM `opening_hours` forms found on compound gates.

We write our own instead of using a PyPI parser because the ones we looked at either take
public holidays from a built-in country calendar (China's make-up workdays make that wrong)
or are unmaintained; here the caller passes the holiday dates it trusts.

Supported: `24/7`, weekday lists and ranges (`Mo-Fr`, `Sa,Su`, `Fr-Mo`), `PH`, month/day
selectors (`Dec 25`, `Dec 24-26`, `Jan-Feb`), several time ranges (`07:00-11:00,13:00-22:00`),
ranges past midnight (`22:00-02:00`, `18:00-26:00`), `off`/`closed`/`open`, trailing
"comments", and several rules separated by `;` where a later rule replaces earlier ones on the
days it names (OSM semantics). Anything else raises `OpeningHoursError`: callers then show the
raw text instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.local_time import time_zone

DAY = 24 * 60
# How far ahead we look for the next change; a year covers "PH off" on a 24/7 gate.
HORIZON_DAYS = 370

WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WD = {w.lower(): i for i, w in enumerate(WEEKDAYS)}
_MON = {m.lower(): i + 1 for i, m in enumerate(MONTHS)}

_TOKEN = re.compile(
    r'\s*(?:(?P<comment>"[^"]*")|(?P<t247>24/7)|(?P<time>\d{1,2}:\d{2})|(?P<num>\d{1,2})'
    r"|(?P<word>[A-Za-z]+)|(?P<punct>[-,:]))"
)


class OpeningHoursError(ValueError):
    """The text is not an opening_hours value this module understands."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"cannot read opening_hours {text!r}: {reason}")
        self.text = text
        self.reason = reason


@dataclass(frozen=True)
class OpenState:
    open: bool
    # When the state flips next; None when it does not change within the horizon.
    changes_at: datetime | None


@dataclass(frozen=True)
class _Rule:
    weekdays: frozenset[int] | None  # None: the rule names no weekday/PH selector
    ph: bool
    dates: tuple[tuple[tuple[int, int], tuple[int, int]], ...] | None  # ((m,d),(m,d)) ranges
    ranges: tuple[tuple[int, int], ...]  # minutes from midnight; end may pass 24:00

    def matches(self, day: date, holidays: Collection[date]) -> bool:
        if self.dates is not None and not any(
            _in_date_range((day.month, day.day), a, b) for a, b in self.dates
        ):
            return False
        if self.weekdays is None and not self.ph:
            return True
        return (self.weekdays is not None and day.weekday() in self.weekdays) or (
            self.ph and day in holidays
        )


def _in_date_range(md: tuple[int, int], a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a <= md <= b if a <= b else md >= a or md <= b  # wraps over New Year


@dataclass(frozen=True)
class Schedule:
    text: str
    rules: tuple[_Rule, ...]
    tz: ZoneInfo = field(default_factory=time_zone)

    def _day_ranges(self, day: date, holidays: Collection[date]) -> tuple[tuple[int, int], ...]:
        chosen: tuple[tuple[int, int], ...] = ()
        for rule in self.rules:  # last matching rule wins for the whole day
            if rule.matches(day, holidays):
                chosen = rule.ranges
        return chosen

    def _intervals(
        self, start: date, holidays: Collection[date]
    ) -> Iterator[tuple[datetime, datetime]]:
        """Merged open intervals (aware datetimes) from `start` on, in order."""
        pending: tuple[datetime, datetime] | None = None
        for offset in range(HORIZON_DAYS):
            day = start + timedelta(days=offset)
            midnight = datetime.combine(day, time(), self.tz)
            for a, b in sorted(self._day_ranges(day, holidays)):
                iv = (midnight + timedelta(minutes=a), midnight + timedelta(minutes=b))
                if pending and iv[0] <= pending[1]:
                    pending = (pending[0], max(pending[1], iv[1]))
                else:
                    if pending:
                        yield pending
                    pending = iv
        if pending:
            yield pending

    def state_at(self, at: datetime, holidays: Collection[date] = ()) -> OpenState:
        if at.tzinfo is None:
            raise ValueError("state_at needs a timezone-aware datetime")
        local = at.astimezone(self.tz)
        horizon_end = datetime.combine(local.date(), time(), self.tz) + timedelta(
            days=HORIZON_DAYS - 1
        )
        # Start a day early: yesterday's 22:00-02:00 may still be running.
        for a, b in self._intervals(local.date() - timedelta(days=1), holidays):
            if b <= local:
                continue
            if a <= local:
                return OpenState(True, None if b >= horizon_end else b.astimezone(at.tzinfo))
            return OpenState(False, a.astimezone(at.tzinfo))
        return OpenState(False, None)

    def is_open(self, at: datetime, holidays: Collection[date] = ()) -> bool:
        return self.state_at(at, holidays).open

    def next_open(self, at: datetime, holidays: Collection[date] = ()) -> datetime | None:
        """`at` itself when open, else when it opens next (None: not within a year)."""
        state = self.state_at(at, holidays)
        return at if state.open else state.changes_at


def parse(text: str, tz: ZoneInfo | None = None) -> Schedule:
    if not text or not text.strip():
        raise OpeningHoursError(text, "empty value")
    parts = _split_rules(text)
    if parts and not parts[-1].strip():
        parts.pop()  # tolerate one trailing ";"
    rules = []
    for part in parts:
        if not part.strip():
            raise OpeningHoursError(text, "empty rule between ';'")
        rules.append(_parse_rule(text, _tokenize(text, part)))
    return Schedule(text=text, rules=tuple(rules), tz=tz or time_zone())


def check(text: str) -> str | None:
    """The reason `text` is not understood, or None if it parses."""
    try:
        parse(text)
    except OpeningHoursError as exc:
        return exc.reason
    return None


def _split_rules(text: str) -> list[str]:
    parts, buf, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    if quoted:
        raise OpeningHoursError(text, "unclosed quote")
    parts.append("".join(buf))
    return parts


def _tokenize(text: str, part: str) -> list[tuple[str, str]]:
    tokens, pos, part = [], 0, part.strip()
    while pos < len(part):
        m = _TOKEN.match(part, pos)
        if not m or m.end() == pos:
            raise OpeningHoursError(text, f"unexpected {part[pos:].strip()[:12]!r}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


class _Cursor:
    def __init__(self, text: str, tokens: list[tuple[str, str]]) -> None:
        self.text, self.tokens, self.i = text, tokens, 0

    def peek(self, ahead: int = 0) -> tuple[str, str]:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        self.i += 1
        return tok

    def fail(self, reason: str) -> OpeningHoursError:
        return OpeningHoursError(self.text, reason)

    def is_word(self, table: dict[str, int], ahead: int = 0) -> bool:
        kind, val = self.peek(ahead)
        return kind == "word" and val.lower() in table


def _parse_rule(text: str, tokens: list[tuple[str, str]]) -> _Rule:
    cur = _Cursor(text, tokens)
    if cur.peek()[0] == "t247":
        cur.take()
        weekdays, ph, dates = None, False, None
        ranges: tuple[tuple[int, int], ...] = ((0, DAY),)
    else:
        dates = _parse_dates(cur) if cur.is_word(_MON) else None
        weekdays, ph = _parse_weekdays(cur)
        ranges = _parse_times(cur) if cur.peek()[0] == "time" else ((0, DAY),)
    kind, val = cur.peek()
    if kind == "word" and val.lower() in ("off", "closed"):
        cur.take()
        ranges = ()
    elif kind == "word" and val.lower() == "open":
        cur.take()
    if cur.peek()[0] == "comment":
        cur.take()
    if cur.peek()[0] != "end":
        raise cur.fail(f"unsupported or misplaced {cur.peek()[1]!r}")
    return _Rule(weekdays=weekdays, ph=ph, dates=dates, ranges=ranges)


def _parse_weekdays(cur: _Cursor) -> tuple[frozenset[int] | None, bool]:
    days: set[int] = set()
    ph, seen = False, False
    while True:
        kind, val = cur.peek()
        if kind == "word" and val == "PH":
            cur.take()
            ph = seen = True
        elif cur.is_word(_WD):
            first = _WD[cur.take()[1].lower()]
            last = first
            if cur.peek() == ("punct", "-"):
                cur.take()
                if not cur.is_word(_WD):
                    raise cur.fail("weekday range needs an end day")
                last = _WD[cur.take()[1].lower()]
            days.update((first + k) % 7 for k in range((last - first) % 7 + 1))
            seen = True
        elif kind == "word" and val.upper() in ("SH", "SUNRISE", "SUNSET", "DAWN", "DUSK"):
            raise cur.fail(f"{val!r} is not supported")
        else:
            break
        if cur.peek() == ("punct", ",") and (cur.is_word(_WD, 1) or cur.peek(1)[1] == "PH"):
            cur.take()
            continue
        if cur.peek()[0] == "punct" and cur.peek()[1] != "-":
            raise cur.fail(f"unexpected {cur.peek()[1]!r} in day list")
        break
    if not seen:
        return None, False
    return (frozenset(days) if days else None), ph


def _parse_dates(cur: _Cursor) -> tuple[tuple[tuple[int, int], tuple[int, int]], ...]:
    out = []
    while True:
        mon = _MON[cur.take()[1].lower()]
        if cur.peek()[0] == "num":
            day = _day_of(cur, mon, int(cur.take()[1]))
            start, end = (mon, day), (mon, day)
            if cur.peek() == ("punct", "-"):
                cur.take()
                end_mon = _MON[cur.take()[1].lower()] if cur.is_word(_MON) else mon
                if cur.peek()[0] != "num":
                    raise cur.fail("date range needs an end day")
                end = (end_mon, _day_of(cur, end_mon, int(cur.take()[1])))
        else:
            start, end = (mon, 1), (mon, 31)
            if cur.peek() == ("punct", "-") and cur.is_word(_MON, 1):
                cur.take()
                end = (_MON[cur.take()[1].lower()], 31)
        out.append((start, end))
        if cur.peek() == ("punct", ",") and cur.is_word(_MON, 1):
            cur.take()
            continue
        return tuple(out)


def _day_of(cur: _Cursor, month: int, day: int) -> int:
    if not 1 <= day <= (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31):
        raise cur.fail(f"no day {day} in {MONTHS[month - 1]}")
    return day


def _parse_times(cur: _Cursor) -> tuple[tuple[int, int], ...]:
    ranges = []
    while True:
        start = _minutes(cur, cur.take()[1], 24 * 60 - 1)
        if cur.peek() != ("punct", "-") or cur.peek(1)[0] != "time":
            raise cur.fail("time needs a range like 08:00-20:00")
        cur.take()
        end = _minutes(cur, cur.take()[1], 48 * 60)
        if end <= start:
            end += DAY  # 22:00-02:00 runs into the next morning
        if end - start > DAY + 24 * 60:
            raise cur.fail("time range longer than two days")
        ranges.append((start, end))
        if cur.peek() == ("punct", ",") and cur.peek(1)[0] == "time":
            cur.take()
            continue
        return tuple(ranges)


def _minutes(cur: _Cursor, hhmm: str, limit: int) -> int:
    hh, mm = (int(x) for x in hhmm.split(":"))
    total = hh * 60 + mm
    if mm > 59 or total > limit:
        raise cur.fail(f"bad time {hhmm}")
    return total
