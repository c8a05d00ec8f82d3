"""Signing in to the app and the web: a code sent in chat, Telegram's login widget, or a
password for staff. Tokens are random, kept only as hashes, and revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import ApiSession, Role, SignInCode, SignInLock, StaffPassword, User
from models.membership import Membership
from models.types import utcnow
from services import outbox
from services.errors import Forbidden, Invalid

CODE_TTL = timedelta(minutes=5)
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
ACCESS_TTL = timedelta(minutes=30)
REFRESH_TTL = timedelta(days=30)
WIDGET_MAX_AGE = timedelta(days=1)
STAFF = (Role.rep, Role.senior, Role.admin)
_hasher = PasswordHasher()


class Unauthorized(Forbidden):
    status = 401
    code = "unauthorized"


class Locked(Forbidden):
    status = 429
    code = "sign_in_locked"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    user_id: int


async def find_login(session: AsyncSession, *, login: str) -> User | None:
    """A Telegram username (with or without @), a member number, or a Telegram id."""
    login = login.strip()
    if not login:
        return None
    if login.isdigit() and len(login) < 16:
        by_id = select(User).where(User.telegram_id == int(login))
        if (user := (await session.execute(by_id)).scalar_one_or_none()) is not None:
            return user
    by_name = select(User).where(func.lower(User.username) == login.lstrip("@").lower())
    user = (await session.execute(by_name)).scalars().first()
    if user is not None:
        return user
    by_number = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(func.upper(Membership.member_number) == login.upper())
    )
    return (await session.execute(by_number)).scalars().first()


async def request_code(session: AsyncSession, *, login: str) -> None:
    """Send a sign-in code in chat. Unknown logins get the same silence on the outside."""
    user = await find_login(session, login=login)
    if user is None or user.telegram_id is None:
        return
    await _check_not_locked(session, user_id=user.id)  # type: ignore[arg-type]
    code = f"{secrets.randbelow(1_000_000):06d}"
    # A new code replaces older ones: only the latest works.
    await session.execute(
        update(SignInCode)
        .where(SignInCode.user_id == user.id, SignInCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    session.add(
        SignInCode(user_id=user.id, code_hash=_hash(code), expires_at=utcnow() + CODE_TTL)  # type: ignore[arg-type]
    )
    await outbox.notify(session, user=user, key="auth.code", code=code, minutes=5)


async def exchange_code(session: AsyncSession, *, login: str, code: str) -> Tokens:
    user = await find_login(session, login=login)
    if user is None:
        raise Unauthorized("code_wrong")
    await _check_not_locked(session, user_id=user.id)  # type: ignore[arg-type]
    now = utcnow()
    row = (
        (
            await session.execute(
                select(SignInCode)
                .where(SignInCode.user_id == user.id, SignInCode.used_at.is_(None))
                .order_by(SignInCode.id.desc())  # type: ignore[union-attr]
            )
        )
        .scalars()
        .first()
    )
    if row is None or row.expires_at < now:
        raise Unauthorized("code_expired")
    if not hmac.compare_digest(row.code_hash, _hash(code.strip())):
        await _failed(session, user_id=user.id)  # type: ignore[arg-type]
        raise Unauthorized("code_wrong", keep_changes=True)
    # Single use, decided in the database: a second exchange of the same code finds none.
    used = await session.execute(
        update(SignInCode)
        .where(SignInCode.id == row.id, SignInCode.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise Unauthorized("code_expired")
    await _succeeded(session, user_id=user.id)  # type: ignore[arg-type]
    return await _open_session(session, user=user, method="code")


def check_widget(data: Mapping[str, str], *, bot_token: str, now: float | None = None) -> int:
    """Telegram Login Widget: the hash is HMAC-SHA256 of the sorted fields, keyed by
    SHA256(bot token). Returns the Telegram user id."""
    fields = {k: str(v) for k, v in data.items() if k != "hash"}
    received = str(data.get("hash", ""))
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    secret = hashlib.sha256(bot_token.encode()).digest()
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    if not received or not hmac.compare_digest(expected, received):
        raise Unauthorized("widget_invalid")
    try:
        age = (now or time.time()) - int(fields.get("auth_date", "0"))
        telegram_id = int(fields["id"])
    except (KeyError, ValueError) as exc:
        raise Unauthorized("widget_invalid") from exc
    if age > WIDGET_MAX_AGE.total_seconds():
        raise Unauthorized("widget_expired")
    return telegram_id


async def sign_in_with_widget(
    session: AsyncSession, *, data: Mapping[str, str], bot_token: str
) -> Tokens:
    telegram_id = check_widget(data, bot_token=bot_token)
    user = (
        await session.execute(select(User).where(User.telegram_id == telegram_id))
    ).scalar_one_or_none()
    if user is None:
        raise Unauthorized("unknown_user")
    return await _open_session(session, user=user, method="widget")


async def set_password(session: AsyncSession, *, user: User, password: str) -> None:
    if user.role not in STAFF:
        raise Forbidden("staff_only")
    if len(password) < 10:
        raise Invalid("password_too_short", minimum=10)
    row = await session.get(StaffPassword, user.id)
    digest = _hasher.hash(password)
    if row is None:
        session.add(StaffPassword(user_id=user.id, password_hash=digest))  # type: ignore[arg-type]
    else:
        row.password_hash, row.updated_at = digest, utcnow()


async def sign_in_with_password(session: AsyncSession, *, login: str, password: str) -> Tokens:
    user = await find_login(session, login=login)
    row = await session.get(StaffPassword, user.id) if user is not None else None
    if user is None or row is None or user.role not in STAFF:
        raise Unauthorized("password_wrong")
    await _check_not_locked(session, user_id=user.id)  # type: ignore[arg-type]
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        await _failed(session, user_id=user.id)  # type: ignore[arg-type]
        raise Unauthorized("password_wrong", keep_changes=True) from None
    await _succeeded(session, user_id=user.id)  # type: ignore[arg-type]
    return await _open_session(session, user=user, method="password")


async def refresh(session: AsyncSession, *, refresh_token: str) -> Tokens:
    row = (
        await session.execute(
            select(ApiSession).where(ApiSession.refresh_hash == _hash(refresh_token))
        )
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or row.refresh_expires_at < utcnow():
        raise Unauthorized("token_invalid")
    row.revoked_at = utcnow()  # rotation: a refresh token works once
    user = await session.get(User, row.user_id)
    assert user is not None
    return await _open_session(session, user=user, method=row.method)


async def authenticate(session: AsyncSession, *, access_token: str) -> User:
    """The user an access token belongs to: one statement on every API request (the token's
    row joined to its user; nothing is written)."""
    found = (
        await session.execute(
            select(User, ApiSession.revoked_at, ApiSession.access_expires_at)
            .join(ApiSession, ApiSession.user_id == User.id)
            .where(ApiSession.access_hash == _hash(access_token))
        )
    ).one_or_none()
    if found is None:
        raise Unauthorized("token_invalid")
    user, revoked_at, expires_at = found
    if revoked_at is not None or expires_at < utcnow():
        raise Unauthorized("token_invalid")
    if user.telegram_id is None and user.role not in STAFF:
        raise Unauthorized("token_invalid")
    return user


async def sign_out(session: AsyncSession, *, access_token: str) -> None:
    await session.execute(
        update(ApiSession)
        .where(ApiSession.access_hash == _hash(access_token), ApiSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def sign_out_everywhere(session: AsyncSession, *, user_id: int) -> int:
    """Used when a rider leaves the union: every device is signed out."""
    result = await session.execute(
        update(ApiSession)
        .where(ApiSession.user_id == user_id, ApiSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _open_session(session: AsyncSession, *, user: User, method: str) -> Tokens:
    access, refresh_token = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    now = utcnow()
    row = ApiSession(
        user_id=user.id,  # type: ignore[arg-type]
        access_hash=_hash(access),
        refresh_hash=_hash(refresh_token),
        access_expires_at=now + ACCESS_TTL,
        refresh_expires_at=now + REFRESH_TTL,
        method=method,
    )
    session.add(row)
    await session.flush()
    return Tokens(access, refresh_token, row.access_expires_at, user.id)  # type: ignore[arg-type]


async def _check_not_locked(session: AsyncSession, *, user_id: int) -> None:
    lock = await session.get(SignInLock, user_id)
    if lock and lock.locked_until and lock.locked_until > utcnow():
        seconds = int((lock.locked_until - utcnow()).total_seconds()) + 1
        raise Locked("sign_in_locked", retry_after=seconds, minutes=(seconds + 59) // 60)


async def _failed(session: AsyncSession, *, user_id: int) -> None:
    lock = await session.get(SignInLock, user_id)
    if lock is None:
        lock = SignInLock(user_id=user_id)
        session.add(lock)
    lock.failures += 1
    if lock.failures >= MAX_FAILURES:
        lock.failures, lock.locked_until = 0, utcnow() + LOCK_FOR


async def _succeeded(session: AsyncSession, *, user_id: int) -> None:
    lock = await session.get(SignInLock, user_id)
    if lock is not None:
        lock.failures, lock.locked_until = 0, None
