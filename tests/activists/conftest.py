"""These tests tap through forms and queue notices far faster than a person: looser per-chat
limits in their sandbox (the outbox's pacing is tested in tests/bot)."""

from __future__ import annotations

import pytest


@pytest.fixture
def sandbox_limits() -> dict[str, float]:
    return {"per_chat_rate": 50, "per_chat_burst": 50}
