"""Sign-in: a code through the bot, Telegram's login widget, or a staff password."""

from __future__ import annotations

from api.endpoint import Call
from api.keys import CTX
from api.problems import language
from api.v1 import api
from api.v1.schemas import (
    Accepted,
    CodeExchange,
    CodeRequest,
    PasswordLogin,
    RefreshRequest,
    TelegramWidget,
    TokenPair,
)
from services import auth
from services.texts import text

TAGS = ["auth"]


def _pair(tokens: auth.Tokens) -> TokenPair:
    return TokenPair(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.access_expires_at,
    )


# Every way of signing in hands out a refresh token that /auth/refresh takes (once).
REFRESH = {
    "Refresh": {
        "operationId": "refresh_tokens",
        "requestBody": {"refresh_token": "$response.body#/refresh_token"},
    }
}


@api.op(
    "POST", "/auth/code", body=CodeRequest, response=Accepted, status=202, auth=False, tags=TAGS
)
async def request_sign_in_code(call: Call) -> Accepted:
    """Send a 6-digit sign-in code to the person's Telegram chat."""
    await auth.request_code(call.session, login=call.body.login)
    # The same answer whether or not the login exists: nobody can probe for members.
    return Accepted(detail=text(language(call.request), "auth.code_sent_if_known"))


@api.op(
    "POST",
    "/auth/token",
    body=CodeExchange,
    response=TokenPair,
    auth=False,
    tags=TAGS,
    errors=[401],
    links=REFRESH,
)
async def exchange_sign_in_code(call: Call) -> TokenPair:
    """Exchange the code for an access token and a refresh token."""
    return _pair(await auth.exchange_code(call.session, login=call.body.login, code=call.body.code))


@api.op(
    "POST",
    "/auth/telegram",
    body=TelegramWidget,
    response=TokenPair,
    auth=False,
    tags=TAGS,
    errors=[401],
    links=REFRESH,
)
async def sign_in_with_telegram(call: Call) -> TokenPair:
    """Sign in with Telegram Login Widget data (checked against the bot token)."""
    data = {k: str(v) for k, v in call.body.model_dump(exclude_none=True).items()}
    token = call.request.app[CTX].settings.token
    return _pair(await auth.sign_in_with_widget(call.session, data=data, bot_token=token))


@api.op(
    "POST",
    "/auth/password",
    body=PasswordLogin,
    response=TokenPair,
    auth=False,
    tags=TAGS,
    errors=[401],
    links=REFRESH,
)
async def sign_in_with_password(call: Call) -> TokenPair:
    """Representatives and admins: sign in with a password."""
    b = call.body
    return _pair(await auth.sign_in_with_password(call.session, login=b.login, password=b.password))


@api.op(
    "POST",
    "/auth/refresh",
    body=RefreshRequest,
    response=TokenPair,
    auth=False,
    tags=TAGS,
    errors=[401],
    links=REFRESH,
)
async def refresh_tokens(call: Call) -> TokenPair:
    """Trade a refresh token (once) for a new pair."""
    return _pair(await auth.refresh(call.session, refresh_token=call.body.refresh_token))


@api.op("POST", "/auth/logout", tags=TAGS)
async def sign_out(call: Call) -> None:
    """End this session: its tokens stop working at once."""
    assert call.token is not None
    await auth.sign_out(call.session, access_token=call.token)
