"""Sign-in for the mobile app and the web: one-time codes, sessions, lockouts, passwords."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class SignInCode(SQLModel, table=True):
    """A 6-digit code sent in chat; only its hash is kept. Single use, short-lived."""

    __tablename__ = "sign_in_code"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SignInLock(SQLModel, table=True):
    """Wrong tries per person; five in a row lock sign-in for a while."""

    __tablename__ = "sign_in_lock"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    failures: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiSession(SQLModel, table=True):
    """A signed-in device. Tokens are random and stored hashed; revoking ends both."""

    __tablename__ = "api_session"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    access_hash: str = Field(max_length=64, unique=True)
    refresh_hash: str = Field(max_length=64, unique=True)
    access_expires_at: datetime = Field(sa_type=UTCDateTime)
    refresh_expires_at: datetime = Field(sa_type=UTCDateTime)
    method: str = Field(max_length=16)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StaffPassword(SQLModel, table=True):
    """An argon2 hash for representatives and admins who sign in on the web."""

    __tablename__ = "staff_password"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    password_hash: str = Field(max_length=255)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
