"""Wage-arrears claims: a claim is a case (category `wage_arrears`) with these extra facts.

Its history stays on the case's one timeline (CaseEvent rows of kinds `claim_*`); these
tables hold what a timeline cannot: amounts in fen, the counterparty, the evidence files,
the computed deadline and which deadline reminders went out.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, Date, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, str_enum, utcnow


class CounterpartyKind(StrEnum):
    platform = "platform"
    station = "station"  # a delivery station or an agency
    merchant = "merchant"
    shipper = "shipper"
    person = "person"


class WorkRelation(StrEnum):
    employee = "employee"
    agency = "agency"  # through an agency or outsourcing firm
    crowdsourced = "crowdsourced"
    freight_order = "freight_order"  # a single freight order


class ClaimStage(StrEnum):
    intake = "intake"
    evidence = "evidence"
    negotiation = "negotiation"
    mediation = "mediation"
    arbitration = "arbitration"
    recovered = "recovered"
    withdrawn = "withdrawn"
    lost = "lost"


class Disclosure(StrEnum):
    """What of the rider the claim summary shows: their consent, asked in the form."""

    full = "full"  # name and phone
    name = "name"
    none = "none"


class ClaimGroup(SQLModel, table=True):
    """Claims of several riders against one counterparty, pursued together."""

    __tablename__ = "claim_group"
    id: int | None = Field(default=None, primary_key=True)
    counterparty_key: str = Field(max_length=128, index=True)
    counterparty_name: str = Field(max_length=128)
    zone_id: int | None = Field(default=None, foreign_key="zone.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WageClaim(SQLModel, table=True):
    __tablename__ = "wage_claim"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", unique=True)
    rider_id: int = Field(foreign_key="user.id", index=True)
    zone_id: int | None = Field(default=None, foreign_key="zone.id", index=True)
    counterparty_kind: CounterpartyKind = Field(sa_type=str_enum(CounterpartyKind))
    counterparty_name: str = Field(max_length=128)
    # The name folded (case, spaces, full-width) so claims against one counterparty group.
    counterparty_key: str = Field(max_length=128, index=True)
    relation: WorkRelation = Field(sa_type=str_enum(WorkRelation))
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    period_start: date = Field(sa_type=Date)
    period_end: date = Field(sa_type=Date)
    orders: str = Field(default="", sa_type=Text)
    work_ongoing: bool = False
    work_ended_on: date | None = Field(default=None, sa_type=Date)
    knew_on: date = Field(sa_type=Date)
    disclosure: Disclosure = Field(default=Disclosure.name, sa_type=str_enum(Disclosure))
    stage: ClaimStage = Field(default=ClaimStage.intake, sa_type=str_enum(ClaimStage), index=True)
    recovered_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    recovered_on: date | None = Field(default=None, sa_type=Date)
    # Computed from the facts and the restart events (services/claim_deadline.py), kept here
    # so the reminder sweep selects by index.
    deadline_on: date | None = Field(default=None, sa_type=Date, index=True)
    deadline_basis: str = Field(default="knew", max_length=16)
    evidence_skipped: list[str] = Field(default_factory=list, sa_type=JSON)
    group_id: int | None = Field(default=None, foreign_key="claim_group.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ClaimEvidence(SQLModel, table=True):
    """One photo or file the rider sent against one item of the evidence checklist."""

    __tablename__ = "claim_evidence"
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="wage_claim.id", index=True)
    item: str = Field(max_length=32)
    kind: str = Field(default="photo", max_length=16)  # photo | document
    file_id: str = Field(max_length=256)
    file_unique_id: str | None = Field(default=None, max_length=128)
    file_name: str | None = Field(default=None, max_length=256)
    mime_type: str | None = Field(default=None, max_length=128)
    size: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    uploader_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ClaimReminder(SQLModel, table=True):
    """A deadline reminder that went out: once per claim, days-before and deadline date, so
    a moved deadline gets its own reminders and a rerun of the sweep sends nothing twice."""

    __tablename__ = "claim_reminder"
    __table_args__ = (
        UniqueConstraint("claim_id", "days_before", "deadline_on", name="uq_claim_reminder"),
    )
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="wage_claim.id", index=True)
    days_before: int
    deadline_on: date = Field(sa_type=Date)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    info: dict[str, object] = Field(default_factory=dict, sa_type=JSON)
