"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from models.core import (
    Case,
    CaseEvent,
    CaseStatus,
    ChatState,
    Heartbeat,
    Outbox,
    OutboxStatus,
    Role,
    Severity,
    User,
    Zone,
    ZoneStaff,
)

__all__ = [
    "Case",
    "CaseEvent",
    "CaseStatus",
    "ChatState",
    "Heartbeat",
    "Outbox",
    "OutboxStatus",
    "Role",
    "Severity",
    "User",
    "Zone",
    "ZoneStaff",
]
from models.membership import Membership, MembershipEvent, MembershipStatus, MemberNumberCounter, ReferralCode  # noqa: F401, E501, I001
from models.auth import ApiSession, SignInCode, SignInLock, StaffPassword  # noqa: F401, E402, I001
from models.guides import MentorOptIn, Mentorship, MentorshipStatus, Tip, TipConfirmation, TipStatus, TipTarget  # noqa: E402, F401, E501, I001
from models.cases import CaseAttachment, CaseRefCounter, CollectiveIssue  # noqa: F401, E402, I001
from models.claims import ClaimEvidence, ClaimGroup, ClaimReminder, ClaimStage, WageClaim  # noqa: F401, E402, I001
