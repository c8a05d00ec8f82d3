"""The wage-claim API's bodies and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.v1.schemas import Model
from models.claims import (
    ClaimStage,
    CounterpartyKind,
    Disclosure,
    WorkRelation,
)
from services import limits as lim
from services.claims import rules
from services.claims.deadline import RESTART_REASONS

# A recovery is recorded with its amount and day (POST .../recovery), never as a bare move.
MOVABLE = tuple(s.value for s in ClaimStage if s is not ClaimStage.recovered)


class ClaimIn(Model):
    counterparty_kind: CounterpartyKind
    counterparty_name: str = Field(
        min_length=lim.NOT_EMPTY, max_length=rules.NAME_LIMIT, description="who owes the pay"
    )
    relation: WorkRelation
    amount: str = Field(
        min_length=lim.NOT_EMPTY,
        max_length=lim.AMOUNT_TEXT_MAX,
        examples=["1234.50"],
        description="yuan as typed in chat: digits, at most two decimals (`1,200.50`, `¥80`)",
    )
    period_start: date
    period_end: date
    knew_on: date = Field(description="when the rider knew (or should have known) of the arrears")
    work_ongoing: bool = False
    work_ended_on: date | None = Field(default=None, description="required unless work_ongoing")
    orders: str = Field(
        default="", max_length=rules.ORDERS_LIMIT, description="order numbers, free text"
    )
    disclosure: Disclosure = Disclosure.name


class DeadlineOut(BaseModel):
    last_day: date | None = Field(description="the last day to bring the claim; null while working")
    runs_from: date | None = Field(description="the day the one-year period is counted from")
    basis: Literal["ongoing", "knew", "work_end", "restart"]


class ClaimOut(BaseModel):
    id: int
    case_id: int
    ref: str
    stage: ClaimStage
    outcome: Literal["full", "partial"] | None
    counterparty_kind: CounterpartyKind
    counterparty_name: str
    relation: WorkRelation
    amount_fen: int
    amount: str = Field(description="the same in yuan, e.g. `1234.50`")
    recovered_fen: int
    recovered_on: date | None
    period_start: date
    period_end: date
    knew_on: date
    work_ongoing: bool
    work_ended_on: date | None
    orders: str
    disclosure: Disclosure
    zone_id: int | None
    group_id: int | None
    deadline: DeadlineOut
    created_at: datetime
    updated_at: datetime


class ClaimList(BaseModel):
    claims: list[ClaimOut]


class ChecklistItem(BaseModel):
    item: str
    name: str
    hint: str
    files: int
    skipped: bool = Field(description="the rider said they do not have it")


class EvidenceOut(BaseModel):
    id: int
    item: str
    kind: str
    file_name: str | None
    mime_type: str | None
    size: int | None
    created_at: datetime


class ClaimDetail(ClaimOut):
    checklist: list[ChecklistItem]
    missing: list[str] = Field(description="checklist items with no file yet, most important first")
    evidence: list[EvidenceOut]


class HistoryOut(BaseModel):
    id: int
    kind: str
    at: datetime
    text: str = Field(description="the event in plain words, in the viewer's language")
    public: bool
    details: dict[str, Any]


class HistoryList(BaseModel):
    history: list[HistoryOut]


class StaffClaimDetail(ClaimDetail):
    rider: str | None
    assignee_id: int | None
    allowed_moves: list[ClaimStage] = Field(description="stages POST .../stage accepts now")
    history: list[HistoryOut] = Field(description="all the claim's events, internal ones too")


class StageIn(Model):
    stage: Literal[MOVABLE]  # type: ignore[valid-type]
    note: str = Field(default="", max_length=lim.REASON_MAX)


class RecoveryIn(Model):
    amount: str = Field(
        min_length=lim.NOT_EMPTY, max_length=lim.AMOUNT_TEXT_MAX, examples=["800.00"]
    )
    on: date = Field(description="the day the money came")


class RestartIn(Model):
    reason: Literal[RESTART_REASONS] = Field(  # type: ignore[valid-type]
        description="demand (asked the other side for payment), authority (asked an authority"
        " for help) or agreed (the other side agreed to pay)",
    )
    on: date
