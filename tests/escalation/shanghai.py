"""Escalation tests speak in the desk's local time: `sh(2026, 11, 23, 9, 0)` is Monday 09:00
in Shanghai, as the aware UTC datetime the services take."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH).astimezone(UTC)  # type: ignore[misc]
