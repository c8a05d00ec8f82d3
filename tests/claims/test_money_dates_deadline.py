"""Amounts, dates and the deadline: pure functions, checked as tables of real-looking input."""

from __future__ import annotations

from datetime import date

import pytest

from services.claims.dates import parse_date
from services.claims.deadline import claim_deadline, one_year_after, reminders_due
from services.claims.money import parse_amount, plain, yuan
from services.errors import Invalid

CAP = 50_000_000  # ¥500000


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("40", 4000),
        ("40.5", 4050),
        ("40.50", 4050),
        ("¥40.50", 4050),
        ("￥40.50", 4050),
        ("40元", 4000),
        ("1,200", 120000),
        ("1200.00元", 120000),
        (" 0.01 ", 1),
        ("４０．５", 4050),  # full-width digits from a Chinese keyboard
        ("123,456.78", 12345678),
        ("500000", CAP),
        ("40.", 4000),
    ],
)
def test_amounts_accepted(typed: str, fen: int) -> None:
    assert parse_amount(typed, cap_fen=CAP) == fen


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("abc", "amount_not_a_number"),
        ("-40", "amount_not_positive"),
        ("0", "amount_not_positive"),
        ("0.00", "amount_not_positive"),
        ("40.555", "amount_too_precise"),
        ("4e5", "amount_not_a_number"),
        ("四十元", "amount_chinese_numerals"),
        ("一千二", "amount_chinese_numerals"),
        ("12,00", "amount_not_a_number"),
        ("500000.01", "amount_over_cap"),
        ("", "amount_not_a_number"),
        ("40,5", "amount_not_a_number"),
        ("nan", "amount_not_a_number"),
    ],
)
def test_amounts_refused(typed: str, code: str) -> None:
    with pytest.raises(Invalid) as err:
        parse_amount(typed, cap_fen=CAP)
    assert err.value.code == code


def test_amount_shown_as_typed() -> None:
    assert plain(4050) == "40.50" and yuan(4050) == "¥40.50" and yuan(1) == "¥0.01"
    assert yuan(123456789) == "¥1234567.89" and yuan(-5) == "-¥0.05"


TODAY = date(2026, 6, 15)


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2026-05-01", date(2026, 5, 1)),
        ("2026/5/1", date(2026, 5, 1)),
        ("2026年5月1日", date(2026, 5, 1)),
        ("5月1日", date(2026, 5, 1)),
        ("5.1", date(2026, 5, 1)),
        ("6月15日", TODAY),
        ("12月20日", date(2025, 12, 20)),  # not yet this year: last December
        ("２０２６－０５－０１", date(2026, 5, 1)),
    ],
)
def test_dates_accepted(typed: str, day: date) -> None:
    assert parse_date(typed, today=TODAY) == day


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("2026-02-30", "date_impossible"),
        ("13月1日", "date_impossible"),
        ("2026-07-01", "date_in_future"),
        ("2027/1/1", "date_in_future"),
        ("yesterday", "date_format"),
        ("五月一日", "date_format"),
        ("1999-01-01", "date_too_old"),
    ],
)
def test_dates_refused(typed: str, code: str) -> None:
    with pytest.raises(Invalid) as err:
        parse_date(typed, today=TODAY)
    assert err.value.code == code


D = date


@pytest.mark.parametrize(
    ("facts", "last_day", "basis"),
    [
        # Still delivering for the station, unpaid since March: the year has not started.
        (dict(knew_on=D(2026, 3, 10), work_ongoing=True, work_ended_on=None), None, "ongoing"),
        # Unpaid during the work, left on 30 June 2025: one year from the end of the work.
        (
            dict(knew_on=D(2025, 3, 10), work_ongoing=False, work_ended_on=D(2025, 6, 30)),
            D(2026, 6, 30),
            "work_end",
        ),
        # A freight fare refused two weeks after the order: from the day they knew.
        (
            dict(knew_on=D(2025, 8, 20), work_ongoing=False, work_ended_on=D(2025, 8, 5)),
            D(2026, 8, 20),
            "knew",
        ),
        # A demand on 2026-03-01 restarts the year.
        (
            dict(
                knew_on=D(2025, 6, 10),
                work_ongoing=False,
                work_ended_on=D(2025, 6, 30),
                restarts=[D(2026, 3, 1)],
            ),
            D(2027, 3, 1),
            "restart",
        ),
        # Several restarts: the latest counts; one before the year started changes nothing.
        (
            dict(
                knew_on=D(2025, 6, 10),
                work_ongoing=False,
                work_ended_on=D(2025, 6, 30),
                restarts=[D(2025, 6, 20), D(2026, 1, 5), D(2025, 11, 1)],
            ),
            D(2027, 1, 5),
            "restart",
        ),
        (
            dict(
                knew_on=D(2025, 6, 10),
                work_ongoing=False,
                work_ended_on=D(2025, 6, 30),
                restarts=[D(2025, 6, 20)],
            ),
            D(2026, 6, 30),
            "work_end",
        ),
        # A demand while still working does not start anything.
        (
            dict(
                knew_on=D(2026, 1, 1),
                work_ongoing=True,
                work_ended_on=None,
                restarts=[D(2026, 2, 1)],
            ),
            None,
            "ongoing",
        ),
        # 29 February: no such day next year, the end of February counts.
        (
            dict(knew_on=D(2024, 2, 29), work_ongoing=False, work_ended_on=D(2024, 2, 1)),
            D(2025, 2, 28),
            "knew",
        ),
    ],
)
def test_deadline(facts: dict, last_day: date | None, basis: str) -> None:
    found = claim_deadline(**facts)
    assert (found.last_day, found.basis) == (last_day, basis)


def test_reminder_windows() -> None:
    deadline = D(2026, 12, 31)
    assert one_year_after(D(2025, 12, 31)) == deadline
    assert reminders_due(deadline, D(2026, 10, 1)) == []  # 91 days left
    assert reminders_due(deadline, D(2026, 10, 2)) == [90]
    assert reminders_due(deadline, D(2026, 12, 1)) == [90, 30]
    assert reminders_due(deadline, D(2026, 12, 24)) == [90, 30, 7]
    assert reminders_due(deadline, D(2027, 1, 1)) == []  # passed: not a reminder any more
