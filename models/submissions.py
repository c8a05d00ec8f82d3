"""Form submissions: a form's final step done once, however often its button is pressed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class FormSubmission(SQLModel, table=True):
    """The key a form draft carried into its Submit button, and what it created. The primary
    key makes a second submit of the same draft find the first one's result instead of
    creating another (a double tap, a tap after the answer was lost)."""

    __tablename__ = "form_submission"
    key: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="user.id", index=True)
    form: str = Field(max_length=16)  # "report", "claim", "join"
    created_id: int  # the case, claim or membership it created
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
