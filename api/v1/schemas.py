"""Request and response models shared by several resources."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Some visible character: Python's strip() (which the services use) also drops the ASCII
# separators \x1c-\x1f, which a JSON Schema \S would let through.
VISIBLE = r"[^\s\x00-\x1f\x7f]"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CodeRequest(Model):
    login: str = Field(
        min_length=1, max_length=64, description="Telegram username, member number or Telegram id"
    )


class CodeExchange(Model):
    login: str = Field(min_length=1, max_length=64)
    code: str = Field(pattern=r"^\d{6}$", description="the 6 digits the bot sent in chat")


class PasswordLogin(Model):
    login: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class RefreshRequest(Model):
    refresh_token: str = Field(min_length=10, max_length=200)


Digits = Annotated[str, Field(pattern=r"^[0-9]{1,20}$")]


class TelegramWidget(BaseModel):
    """The fields Telegram's Login Widget hands the page, passed on as they are."""

    model_config = ConfigDict(extra="allow")
    # Numbers in the widget's JS object, digit strings once passed through a query string.
    id: int | Digits
    auth_date: int | Digits
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    photo_url: str | None = None


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_at: datetime


class Accepted(BaseModel):
    detail: str


class Me(BaseModel):
    id: int
    display_name: str
    username: str | None
    language: str
    role: str
    member_number: str | None
    membership_status: str | None
