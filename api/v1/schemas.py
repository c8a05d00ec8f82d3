"""Request and response models shared by several resources."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services import limits as lim

# Text may hold anything but NUL, which PostgreSQL cannot store in a text column.
NO_NUL = r"^[^\x00]*$"
# Some visible character (and no NUL): Python's strip(), which the services use, also drops
# the ASCII separators \x1c-\x1f, which a JSON Schema \S would let through.
VISIBLE = r"^[^\x00]*[^\s\x00-\x1f\x7f][^\x00]*$"


def _no_nul_in_schema(schema: dict[str, Any]) -> None:
    """Says in the contract what `Model` checks: a text field without a pattern of its own
    gets NO_NUL (fields with a pattern keep out NUL themselves)."""
    for prop in schema.get("properties", {}).values():
        for variant in [prop, *prop.get("anyOf", [])]:
            if (
                variant.get("type") == "string"
                and "pattern" not in variant
                and ("enum" not in variant and "format" not in variant)
            ):
                variant["pattern"] = NO_NUL


class Model(BaseModel):
    """Requests: unknown fields refused, and no NUL character in any text."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_nul_in_schema)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text may not contain the NUL character")
        return value


class CodeRequest(Model):
    login: str = Field(
        min_length=lim.NOT_EMPTY,
        max_length=lim.LOGIN_MAX,
        description="Telegram username, member number or Telegram id",
    )


class CodeExchange(Model):
    login: str = Field(min_length=lim.NOT_EMPTY, max_length=lim.LOGIN_MAX)
    code: str = Field(pattern=r"^\d{6}$", description="the 6 digits the bot sent in chat")


class PasswordLogin(Model):
    login: str = Field(min_length=lim.NOT_EMPTY, max_length=lim.LOGIN_MAX)
    password: str = Field(min_length=lim.NOT_EMPTY, max_length=lim.PASSWORD_MAX)


class RefreshRequest(Model):
    refresh_token: str = Field(min_length=lim.REFRESH_TOKEN_MIN, max_length=lim.REFRESH_TOKEN_MAX)


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
