"""Fixtures of the escalation tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.escalation import policy as sla_policy
from services.escalation.policy import DEFAULT_PATH, load_policy


@pytest.fixture
def shipped_policy() -> Iterator[None]:
    """The shipped policy with no holidays in these weeks, whatever HOLIDAYS says."""
    before = sla_policy._installed
    sla_policy.install(load_policy(DEFAULT_PATH))
    yield
    sla_policy.install(before)
