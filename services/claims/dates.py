"""Dates as riders type them: `2026-05-01`, `2026/5/1`, `2026年5月1日`, `5月1日`, `5.1`.

A date without a year is in the current year (or last year, when that day has not come yet
this year: in January "12月20日" means last December). Impossible and future dates are refused
with a sentence saying what to type.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from services.errors import Invalid

_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_SHORT = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")


def parse_date(raw: str, *, today: date) -> date:
    typed = unicodedata.normalize("NFKC", raw).strip()
    if found := _FULL.fullmatch(typed):
        year, month, day = (int(g) for g in found.groups())
        guessed_year = False
    elif found := _SHORT.fullmatch(typed):
        month, day = (int(g) for g in found.groups())
        year, guessed_year = today.year, True
    else:
        raise Invalid("date_format", typed=raw.strip()[:40])
    try:
        value = date(year, month, day)
    except ValueError as exc:
        raise Invalid("date_impossible", typed=raw.strip()[:40]) from exc
    if value > today and guessed_year:
        try:
            value = date(year - 1, month, day)
        except ValueError as exc:  # 2月29日 typed in a year after a leap year
            raise Invalid("date_impossible", typed=raw.strip()[:40]) from exc
    if value > today:
        raise Invalid("date_in_future", typed=value.isoformat(), today=today.isoformat())
    if value.year < 2000:
        raise Invalid("date_too_old", typed=value.isoformat())
    return value
