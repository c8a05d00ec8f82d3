"""The shipped SLA policy without holidays, as the escalation tests use it."""

from tests.escalation.conftest import shipped_policy

__all__ = ["shipped_policy"]
