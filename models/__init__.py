"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from models.activists import Activist, ActivistStatus, Story, StoryStatus
from models.agenda import (
    AgendaItem,
    AgendaMove,
    AgendaSupport,
    Meeting,
    MeetingInvite,
    MeetingItem,
)
from models.auth import ApiSession, SignInCode, SignInLock, StaffPassword
from models.cases import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseRefCounter,
    CaseStatus,
    CollectiveIssue,
    Severity,
)
from models.chat import StaffNotice
from models.claims import ClaimEvidence, ClaimGroup, ClaimReminder, ClaimStage, WageClaim
from models.core import (
    ChatState,
    Heartbeat,
    Outbox,
    OutboxStatus,
    Role,
    User,
    Zone,
    ZoneStaff,
)
from models.escalation import CaseClock, Escalation, EscalationDigest, EscalationMark
from models.guides import (
    MentorOptIn,
    Mentorship,
    MentorshipStatus,
    Tip,
    TipConfirmation,
    TipStatus,
    TipTarget,
)
from models.inbox import Inbox, InboxStatus
from models.injury import InjuryClaim, InjuryReminder, InjuryStageMark
from models.membership import (
    MemberNumberCounter,
    Membership,
    MembershipEvent,
    MembershipStatus,
    ReferralCode,
)
from models.stations import BookingStatus, ServiceSlot, SlotBooking, StationVolunteer
from models.submissions import FormSubmission
from models.surveys import (
    MemberNotice,
    MemberSettings,
    NoticeRecipient,
    Survey,
    SurveyAnswer,
    SurveyOption,
    SurveyRecipient,
)

__all__ = [
    "Activist",
    "ActivistStatus",
    "AgendaItem",
    "AgendaMove",
    "AgendaSupport",
    "ApiSession",
    "BookingStatus",
    "Case",
    "CaseAttachment",
    "CaseClock",
    "CaseEvent",
    "CaseRefCounter",
    "CaseStatus",
    "ChatState",
    "ClaimEvidence",
    "ClaimGroup",
    "ClaimReminder",
    "ClaimStage",
    "CollectiveIssue",
    "Escalation",
    "EscalationDigest",
    "EscalationMark",
    "FormSubmission",
    "Heartbeat",
    "Inbox",
    "InboxStatus",
    "InjuryClaim",
    "InjuryReminder",
    "InjuryStageMark",
    "Meeting",
    "MeetingInvite",
    "MeetingItem",
    "MemberNotice",
    "MemberNumberCounter",
    "MemberSettings",
    "Membership",
    "MembershipEvent",
    "MembershipStatus",
    "MentorOptIn",
    "Mentorship",
    "MentorshipStatus",
    "NoticeRecipient",
    "Outbox",
    "OutboxStatus",
    "ReferralCode",
    "Role",
    "ServiceSlot",
    "Severity",
    "SignInCode",
    "SignInLock",
    "SlotBooking",
    "StaffNotice",
    "StaffPassword",
    "StationVolunteer",
    "Story",
    "StoryStatus",
    "Survey",
    "SurveyAnswer",
    "SurveyOption",
    "SurveyRecipient",
    "Tip",
    "TipConfirmation",
    "TipStatus",
    "TipTarget",
    "User",
    "WageClaim",
    "Zone",
    "ZoneStaff",
]
