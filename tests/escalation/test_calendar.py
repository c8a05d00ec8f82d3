"""Make-up working days (调休) and the warning lead in working minutes: fixed dates, no database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from app.settings import load_settings
from models import Case
from services.escalation import policy as sla_policy
from services.escalation.business_calendar import Calendar
from services.escalation.plan import plan
from services.escalation.policy import DEFAULT_PATH, PolicyError, load_policy, parse_policy
from services.guides.holidays import (
    HolidaysError,
    load_holiday_calendar,
    load_holidays,
    parse_holiday_calendar,
)
from tests.escalation.shanghai import SH, sh

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = load_holiday_calendar("routes_data/holidays/cn.txt", ROOT)
# Spring Festival 2026: Saturday 14 Feb worked, 15-23 Feb off, Saturday 28 Feb worked.
SPRING = Calendar("office", SH, always=False, holidays=SHIPPED.days_off, workdays=SHIPPED.workdays)
PLAIN = Calendar("office", SH, always=False)
ALWAYS = Calendar("always", SH)


def test_holiday_file_carries_days_off_and_make_up_working_days() -> None:
    cal = parse_holiday_calendar(
        "# 2026\n2026-02-14 workday 春节调休\n2026-02-15 春节\n2026-02-16, 2026-02-28 WORKDAY\n"
    )
    assert cal.days_off == {date(2026, 2, 15), date(2026, 2, 16)}
    assert cal.workdays == {date(2026, 2, 14), date(2026, 2, 28)}


def test_a_day_both_off_and_worked_is_an_error_naming_its_lines() -> None:
    with pytest.raises(HolidaysError, match=r"cn\.txt line 3: 2026-02-14 .*line 1.*line 3"):
        parse_holiday_calendar("2026-02-14 春节\n2026-02-15\n2026-02-14 workday", "cn.txt")


def test_opening_hours_ph_reads_only_the_days_off() -> None:
    days_off = load_holidays("routes_data/holidays/cn.txt", ROOT)
    assert date(2026, 2, 17) in days_off and date(2026, 2, 14) not in days_off
    assert days_off == SHIPPED.days_off


def test_shipped_2026_make_up_days_are_the_state_councils_weekends() -> None:
    """国办发明电〔2025〕7号: each one a Saturday or Sunday next to a holiday."""
    assert {d for d in SHIPPED.workdays if d.year == 2026} == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
    assert all(d.weekday() >= 5 for d in SHIPPED.workdays)
    assert not SHIPPED.workdays & SHIPPED.days_off


def test_make_up_saturday_is_a_working_day() -> None:
    # Friday 13 Feb 17:00 + 120 working minutes: 60 on Friday, 60 on the make-up Saturday.
    assert SPRING.add(sh(2026, 2, 13, 17, 0), 120) == sh(2026, 2, 14, 10, 0)
    # Without the make-up day it would run into the holiday, to Tuesday 24 Feb.
    no_make_up = Calendar("office", SH, always=False, holidays=SHIPPED.days_off)
    assert no_make_up.add(sh(2026, 2, 13, 17, 0), 120) == sh(2026, 2, 24, 10, 0)
    # Saturday 14 Feb 17:00 + 120: 60 that Saturday, then nine days off.
    assert SPRING.add(sh(2026, 2, 14, 17, 0), 120) == sh(2026, 2, 24, 10, 0)
    assert SPRING.between(sh(2026, 2, 27, 17, 0), sh(2026, 3, 2, 10, 0)) == 60 + 9 * 60 + 60
    assert PLAIN.between(sh(2026, 2, 27, 17, 0), sh(2026, 3, 2, 10, 0)) == 120


@pytest.mark.parametrize(
    ("end", "minutes", "expected"),
    [
        (sh(2026, 11, 23, 9, 10), 15, sh(2026, 11, 20, 17, 55)),  # Monday → Friday
        (sh(2026, 11, 23, 9, 15), 15, sh(2026, 11, 23, 9, 0)),  # exactly at opening
        (sh(2026, 11, 23, 16, 30), 15, sh(2026, 11, 23, 16, 15)),  # inside the day
        (sh(2026, 11, 23, 20, 0), 30, sh(2026, 11, 23, 17, 30)),  # after closing
        (sh(2026, 11, 22, 12, 0), 30, sh(2026, 11, 20, 17, 30)),  # Sunday
        (sh(2026, 11, 23, 9, 0), 9 * 60 * 2, sh(2026, 11, 19, 9, 0)),  # two whole days
        (sh(2026, 11, 23, 10, 0), 0, sh(2026, 11, 23, 10, 0)),  # zero inside hours: itself
    ],
)
def test_subtract_counts_back_working_minutes(
    end: datetime, minutes: int, expected: datetime
) -> None:
    assert PLAIN.subtract(end, minutes) == expected
    assert PLAIN.between(expected, end) == pytest.approx(minutes)


def test_subtract_across_a_holiday_to_the_make_up_saturday() -> None:
    # Tuesday 24 Feb 09:10, the first working morning after Spring Festival: 15 minutes before
    # is on the make-up Saturday 14 Feb, not on Monday 23 Feb (off) or Friday 13 Feb.
    assert SPRING.subtract(sh(2026, 2, 24, 9, 10), 15) == sh(2026, 2, 14, 17, 55)
    # Monday 2 March 09:10: the make-up Saturday 28 Feb is worked, the Sunday is not.
    assert SPRING.subtract(sh(2026, 3, 2, 9, 10), 15) == sh(2026, 2, 28, 17, 55)
    assert PLAIN.subtract(sh(2026, 3, 2, 9, 10), 15) == sh(2026, 2, 27, 17, 55)


def test_round_the_clock_subtracts_clock_minutes() -> None:
    assert ALWAYS.subtract(sh(2026, 11, 23, 9, 10), 15) == sh(2026, 11, 23, 8, 55)
    assert ALWAYS.subtract(sh(2026, 11, 23, 9, 10), 24 * 60) == sh(2026, 11, 22, 9, 10)


def _case(created: datetime, category: str, severity: str = "normal") -> Case:
    return Case(
        id=1,
        ref="C-2026-00001",
        category=category,
        severity=severity,
        created_at=created,
        updated_at=created,
    )


def test_plan_warns_working_minutes_before_the_deadline() -> None:
    policy = load_policy(DEFAULT_PATH, holidays=SHIPPED.days_off, workdays=SHIPPED.workdays)
    # access/normal: 480 working minutes. Friday 10:10 → 470 on Friday, 10 on Monday.
    result = plan(_case(sh(2026, 11, 20, 10, 10), "access"), None, policy=policy)
    assert result.first_response_due == sh(2026, 11, 23, 9, 10)
    assert result.step is not None and result.step.action == "warn"
    assert result.next_escalation_at == sh(2026, 11, 20, 17, 55)  # not Monday 08:55
    # Friday 13 Feb 10:10: the deadline falls on the make-up Saturday, warned that day.
    result = plan(_case(sh(2026, 2, 13, 10, 10), "access"), None, policy=policy)
    assert result.first_response_due == sh(2026, 2, 14, 9, 10)
    assert result.next_escalation_at == sh(2026, 2, 13, 17, 55)
    # Friday 13 Feb 12:00 + 480: Friday 360, Saturday 120 → Saturday 11:00, warned 10:45.
    result = plan(_case(sh(2026, 2, 13, 12, 0), "access"), None, policy=policy)
    assert result.first_response_due == sh(2026, 2, 14, 11, 0)
    assert result.next_escalation_at == sh(2026, 2, 14, 10, 45)
    # Round the clock (accident/high, 30 minutes) on a Sunday night: clock minutes before.
    at = sh(2026, 11, 22, 23, 50)
    result = plan(_case(at, "accident", "high"), None, policy=policy)
    assert result.first_response_due == at + timedelta(minutes=30)
    assert result.next_escalation_at == at + timedelta(minutes=15)


def test_policy_passes_make_up_days_unless_holidays_are_not_skipped() -> None:
    policy = load_policy(DEFAULT_PATH, holidays=SHIPPED.days_off, workdays=SHIPPED.workdays)
    office = policy.calendars["office"]
    assert office.workdays == SHIPPED.workdays and office.works_on(date(2026, 2, 14))
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace(
        "skip_holidays = true", "skip_holidays = false"
    )
    plain = parse_policy(text, holidays=SHIPPED.days_off, workdays=SHIPPED.workdays)
    office = plain.calendars["office"]
    assert office.holidays == office.workdays == frozenset()
    assert not office.works_on(date(2026, 2, 14)) and office.works_on(date(2026, 2, 16))
    with pytest.raises(PolicyError, match="2026-02-14 is both a day off and a make-up"):
        parse_policy(text, holidays=frozenset({date(2026, 2, 14)}), workdays=SHIPPED.workdays)


def test_settings_install_the_make_up_days_of_the_holiday_file() -> None:
    before = sla_policy._installed
    try:
        load_settings(_env_file=None)
        assert date(2026, 2, 28) in sla_policy.active().calendars["office"].workdays
        load_settings(_env_file=None, holidays="2026-02-15, 2026-02-14 workday")
        office = sla_policy.active().calendars["office"]
        assert office.workdays == {date(2026, 2, 14)} and office.holidays == {date(2026, 2, 15)}
    finally:
        sla_policy.install(before)
