"""Business-hours arithmetic and the policy file: fixed dates, no database."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from app.settings import SettingsError, load_settings
from services.escalation.business_calendar import Calendar
from services.escalation.policy import DEFAULT_PATH, PolicyError, load_policy, parse_policy
from tests.escalation.shanghai import SH, sh

HOLIDAYS = frozenset({date(2026, 10, 1), date(2026, 10, 2)})
OFFICE = Calendar("office", SH, always=False, holidays=HOLIDAYS)
ALWAYS = Calendar("always", SH)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (sh(2026, 11, 20, 17, 30), 120, sh(2026, 11, 23, 10, 30)),  # Fri 17:30 → Mon 10:30
        (sh(2026, 11, 23, 10, 0), 60, sh(2026, 11, 23, 11, 0)),  # inside the day
        (sh(2026, 11, 23, 7, 0), 30, sh(2026, 11, 23, 9, 30)),  # before opening
        (sh(2026, 11, 23, 20, 0), 30, sh(2026, 11, 24, 9, 30)),  # after closing
        (sh(2026, 11, 21, 12, 0), 0, sh(2026, 11, 23, 9, 0)),  # Saturday, zero: next opening
        (sh(2026, 11, 23, 17, 0), 60, sh(2026, 11, 23, 18, 0)),  # ends exactly at closing
        (sh(2026, 11, 23, 9, 0), 9 * 60 * 2, sh(2026, 11, 24, 18, 0)),  # two whole days
        (sh(2026, 9, 30, 17, 0), 120, sh(2026, 10, 5, 10, 0)),  # Oct 1-2 holidays, weekend
        (sh(2026, 11, 20, 17, 30), 0, sh(2026, 11, 20, 17, 30)),  # zero inside hours: now
    ],
)
def test_business_hours_add(start: datetime, minutes: int, expected: datetime) -> None:
    assert OFFICE.add(start, minutes) == expected
    assert OFFICE.between(start, expected) == pytest.approx(minutes)


def test_round_the_clock_counts_every_minute() -> None:
    start = sh(2026, 11, 20, 17, 30)
    assert ALWAYS.add(start, 120) == sh(2026, 11, 20, 19, 30)
    assert ALWAYS.between(start, sh(2026, 11, 21, 17, 30)) == 24 * 60


def test_between_counts_only_working_time() -> None:
    assert OFFICE.between(sh(2026, 11, 20, 17, 0), sh(2026, 11, 23, 9, 30)) == 90
    assert OFFICE.between(sh(2026, 11, 23, 12, 0), sh(2026, 11, 23, 11, 0)) == 0


def test_shipped_policy_reads_by_category_and_severity() -> None:
    policy = load_policy(DEFAULT_PATH, holidays=HOLIDAYS)
    accident = policy.terms("accident", "urgent")
    assert accident.calendar.always and accident.first_response == 15
    other = policy.terms("other", "normal")
    assert not other.calendar.always and other.first_response == 480
    assert other.calendar.holidays == HOLIDAYS
    assert policy.warning_lead_minutes == 15
    assert [r.notify for r in policy.ladder] == ["assignee_or_on_duty", "zone_seniors", "admins"]


def test_changing_the_file_changes_the_promise(tmp_path: Path) -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace(
        "first_response = { urgent = 15, high = 30 }", "first_response = { urgent = 5 }"
    )
    path = tmp_path / "sla.toml"
    path.write_text(text, encoding="utf-8")
    assert load_policy(path).terms("accident", "urgent").first_response == 5
    assert load_policy(path).terms("accident", "high").first_response == 120  # the default


BAD = [
    ("warning_lead_minutes = 15\n[calendar.always\nhours = '24/7'\n", "line 2"),
    ("[calendar.x]\nhours = 'weekly'\n", "calendar.x.hours"),
    (None, "category.accident.first_response.urgnt: unknown severity"),
    (None, "category.parking: unknown category"),
    (None, "ladder[1].notify"),
    (None, "default.next_update: lacks ['low']"),
    (None, "waiting_for_rider.close_after_days: expected days > 0"),
]


def _shipped(tmp: str | None, reason: str) -> str:
    base = DEFAULT_PATH.read_text(encoding="utf-8")
    if tmp is not None:
        return tmp
    if "urgnt" in reason:
        return base.replace("first_response = { urgent = 15,", "first_response = { urgnt = 15,")
    if "parking" in reason:
        return base + "\n[category.parking]\ncalendar = 'always'\n"
    if "ladder" in reason:
        return base.replace('notify = "zone_seniors"', 'notify = "the boss"')
    if "waiting" in reason:
        return base.replace("close_after_days = 7", "close_after_days = 0")
    return base.replace("normal = 960, low = 2880", "normal = 960")


@pytest.mark.parametrize(("text", "reason"), BAD)
def test_bad_policy_is_rejected_with_line_or_key(text: str | None, reason: str) -> None:
    from services.cases.categories import policy

    with pytest.raises(PolicyError, match=reason.replace("[", r"\[").replace("]", r"\]")):
        parse_policy(_shipped(text, reason), known_categories=frozenset(policy().categories))


def test_bad_policy_stops_start_up(tmp_path: Path) -> None:
    path = tmp_path / "sla.toml"
    path.write_text(_shipped(None, "ladder"), encoding="utf-8")
    with pytest.raises(SettingsError, match=r"SLA_POLICY: .*ladder\[1\]\.notify"):
        load_settings(sla_policy=path)
    assert load_settings().sla_policy == DEFAULT_PATH
