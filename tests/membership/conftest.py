"""These tests tap through a form far faster than a person can, so their sandbox allows more
messages per chat than Telegram does; the outbox's pacing is tested in tests/bot."""

from __future__ import annotations

import pytest


@pytest.fixture
def sandbox_limits() -> dict[str, float]:
    """This folder taps through forms faster than a person types: looser per-chat limits."""
    return {"per_chat_rate": 50, "per_chat_burst": 50}
