from datetime import UTC, date, datetime

import pytest
import time_machine

from services.guides.opening_hours import OpeningHoursError, OpenState, parse

from .conftest import NATIONAL_DAY, at

HOL = {NATIONAL_DAY}

# (real OSM value, when, holidays, expected open, expected change time or None)
# 2025-03-07 is a Friday, 2025-03-08 a Saturday, 2025-10-01 (National Day) a Wednesday.
CASES = [
    ("24/7", at(2025, 3, 7, 3), (), True, None),
    ("Mo-Fr 07:00-22:00", at(2025, 3, 7, 21, 59), (), True, at(2025, 3, 7, 22)),
    ("Mo-Fr 07:00-22:00", at(2025, 3, 7, 22), (), False, at(2025, 3, 10, 7)),
    ("Mo-Fr 07:00-22:00; Sa,Su 08:00-20:00", at(2025, 3, 7, 23), (), False, at(2025, 3, 8, 8)),
    ("Mo-Fr 07:00-22:00; Sa,Su 08:00-20:00", at(2025, 3, 8, 12), (), True, at(2025, 3, 8, 20)),
    ("Mo-Su 07:00-11:00,13:00-22:00", at(2025, 3, 7, 12), (), False, at(2025, 3, 7, 13)),
    ("07:00-11:00,13:00-22:00", at(2025, 3, 7, 10), (), True, at(2025, 3, 7, 11)),
    ("Mo-Su 16:00-02:00", at(2025, 3, 8, 1, 30), (), True, at(2025, 3, 8, 2)),
    ("Mo-Su 16:00-02:00", at(2025, 3, 8, 2, 30), (), False, at(2025, 3, 8, 16)),
    ("Mo-Su 16:00-02:00", at(2025, 3, 7, 23), (), True, at(2025, 3, 8, 2)),
    ("Fr 22:00-02:00", at(2025, 3, 8, 1), (), True, at(2025, 3, 8, 2)),
    ("Mo-Th 18:00-26:00", at(2025, 3, 7, 1), (), True, at(2025, 3, 7, 2)),
    ("off", at(2025, 3, 7, 12), (), False, None),
    ("closed", at(2025, 3, 7, 12), (), False, None),
    ("Mo-Su 06:30-23:00; PH off", at(2025, 10, 1, 12), HOL, False, at(2025, 10, 2, 6, 30)),
    ("Mo-Su 06:30-23:00; PH off", at(2025, 10, 1, 12), (), True, at(2025, 10, 1, 23)),
    ("Mo-Fr 08:00-18:00; PH 09:00-12:00", at(2025, 10, 1, 13), HOL, False, at(2025, 10, 2, 8)),
    ("Mo-Fr 08:00-18:00; PH 09:00-12:00", at(2025, 10, 1, 9), HOL, True, at(2025, 10, 1, 12)),
    ("24/7; PH off", at(2025, 9, 30, 12), HOL, True, at(2025, 10, 1)),
    (
        "Mo-Fr 09:00-17:00; Sa 10:00-14:00; Su off",
        at(2025, 3, 9, 12),
        (),
        False,
        at(2025, 3, 10, 9),
    ),
    ("Mo-Fr 08:00-20:00; We off", at(2025, 3, 5, 12), (), False, at(2025, 3, 6, 8)),
    ("Fr-Mo 10:00-16:00", at(2025, 3, 10, 11), (), True, at(2025, 3, 10, 16)),
    ("Mo-Fr", at(2025, 3, 7, 23, 59), (), True, at(2025, 3, 8)),
    ('Mo-Fr 08:00-18:00 "ring the bell"', at(2025, 3, 7, 9), (), True, at(2025, 3, 7, 18)),
    ("24/7; Dec 25 off", at(2025, 12, 25, 9), (), False, at(2025, 12, 26)),
    ("Dec 24-26 10:00-14:00; Dec 25 off", at(2025, 12, 24, 11), (), True, at(2025, 12, 24, 14)),
    ("Mo-Su 08:00-20:00;", at(2025, 3, 7, 7), (), False, at(2025, 3, 7, 8)),
]


@pytest.mark.parametrize(("text", "when", "holidays", "is_open", "changes"), CASES)
def test_real_osm_values(text, when, holidays, is_open, changes) -> None:
    assert parse(text).state_at(when, holidays) == OpenState(is_open, changes)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Mo-Fr 8-18",
        "Mo-Fr 07:00-25:61",
        "sunrise-sunset",
        "Mo-Fr 08:00-12:00 || closed",
        "Mo-Fr 08:00-12:00;; Sa 09:00-12:00",
        "Su[1] 10:00-12:00",
        "SH off",
        "Feb 30 off",
        "营业时间 8-20",
        '"unclosed',
    ],
)
def test_unreadable_values_raise_typed_error(text: str) -> None:
    with pytest.raises(OpeningHoursError) as err:
        parse(text)
    assert err.value.text == text and err.value.reason


def test_next_open_and_other_timezones() -> None:
    sched = parse("Mo-Fr 07:00-22:00; Sa,Su 08:00-20:00")
    friday_night_utc = datetime(2025, 3, 7, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    opens = sched.next_open(friday_night_utc)
    assert opens == at(2025, 3, 8, 8)
    assert opens is not None and opens.tzinfo == UTC  # answers in the caller's zone
    assert sched.next_open(at(2025, 3, 8, 9)) == at(2025, 3, 8, 9)
    assert parse("off").next_open(at(2025, 3, 8, 9)) is None


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError):
        parse("24/7").state_at(datetime(2025, 3, 7, 12))


def test_works_with_a_frozen_clock() -> None:
    with time_machine.travel(at(2025, 3, 7, 21, 30), tick=False):
        state = parse("Mo-Fr 07:00-22:00").state_at(datetime.now(UTC))
    assert state.open and state.changes_at == at(2025, 3, 7, 22)


def test_holidays_are_plain_dates() -> None:
    sched = parse("PH off; Mo-Su 06:00-23:00")  # later rule wins, as OSM specifies
    assert sched.is_open(at(2025, 10, 1, 12), {date(2025, 10, 1)})
