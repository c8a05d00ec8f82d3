"""Erasing a person who leaves: what the desk knew of them goes, the union's record stays.

Cases, claims and their events stay (they are the union's record and its statistics) but
point at an anonymous user row. Gone are: the name and phone on every membership row, the
Telegram id, username and first name, the referral code, sign-in codes and every session,
every outbox row addressed to the person (sent or not), their survey answers and settings
(and the record of which surveys and notices were sent to them), their station bookings not yet done
and their place on stations' volunteer lists (services/stations/privacy.py; done ones stay for
the served counts, anonymous), the link from their agenda supports, meeting answers and
proposals to them (services/agenda/personal.py), the person's name, phone, username
and id inside notices rendered for others (replaced by "a former member"), and the stored
conversation state of their chat, and the health details of their injury claims
(services/injury/privacy.py: an open one ends withdrawn).

The one exception is the law's: while a wage claim of theirs is still being pursued (not
recovered, withdrawn or lost), the claimant's name stays on the left membership row, beside
the claim's amounts. A labour arbitration application names the claimant, and the one-year
limitation period of that claim is still running; the name goes when the claim ends
(`release_claimant`). The phone, the Telegram link and everything else go at once.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import JSON, Enum, String, Table, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from models import Case, ChatState, Outbox, Role, SignInCode, SignInLock, User
from models.claims import ClaimStage, WageClaim
from models.membership import Membership, MembershipStatus, ReferralCode
from services import chat_state
from services.activists import privacy as volunteering
from services.agenda import personal as agenda_personal
from services.auth import sign_out_everywhere
from services.injury.privacy import erase_injury_details
from services.stations.privacy import forget_bookings
from services.surveys import privacy as survey_privacy
from services.texts import text

# Deletes the person's conversation state kept outside the database (Redis FSM keys);
# handed in by the channel that knows the storage. Called with the Telegram id.
ForgetChat = Callable[[int], Awaitable[None]]

CLAIM_ENDED = (ClaimStage.recovered, ClaimStage.withdrawn, ClaimStage.lost)
PLACEHOLDER_KEY = "erasure.former_member"
# A one-letter name would blank that letter in every notice; such names are not searched.
MIN_NAME = 2


@dataclass(frozen=True)
class Erased:
    outbox_dropped: int
    outbox_scrubbed: int
    sessions_revoked: int
    kept_name_for_claims: list[int]


def is_erased(user: User | None) -> bool:
    """A rider with no Telegram link left is one who left and was erased."""
    return user is not None and user.role is Role.rider and user.telegram_id is None


def person_label(user: User | None, lang: str) -> str:
    """How staff see the person behind a case: their name, or "a former member"."""
    if is_erased(user):
        return text(lang, PLACEHOLDER_KEY)
    return user.display_name if user is not None else ""


async def pending_claims(session: AsyncSession, *, user_id: int) -> list[WageClaim]:
    """The person's wage claims still being pursued: the reason the exception exists."""
    rows = await session.execute(
        select(WageClaim)
        .where(WageClaim.rider_id == user_id, WageClaim.stage.not_in(CLAIM_ENDED))
        .order_by(WageClaim.id)
    )
    return list(rows.scalars())


async def pending_claim_refs(session: AsyncSession, *, user: User) -> list[str]:
    """The case numbers of the claims that would keep the person's name if they left."""
    assert user.id is not None
    rows = await session.execute(
        select(Case.ref)
        .join(WageClaim, WageClaim.case_id == Case.id)
        .where(WageClaim.rider_id == user.id, WageClaim.stage.not_in(CLAIM_ENDED))
        .order_by(Case.id)
    )
    return list(rows.scalars())


async def claimant_name(session: AsyncSession, *, user: User) -> str | None:
    """The name a pending claim keeps after its claimant left (None if none is kept)."""
    if not is_erased(user):
        return None
    return (
        (
            await session.execute(
                select(Membership.name)
                .where(Membership.user_id == user.id, Membership.name.is_not(None))
                .order_by(Membership.id.desc())  # type: ignore[union-attr]
            )
        )
        .scalars()
        .first()
    )


async def erase_person(
    session: AsyncSession, *, user: User, forget_chat: ForgetChat | None = None
) -> Erased:
    """Erase the person (see the module's docstring); the caller ends the membership."""
    assert user.id is not None
    memberships = list(
        (await session.execute(select(Membership).where(Membership.user_id == user.id))).scalars()
    )
    names = {m.name for m in memberships if m.name}
    phones = {m.phone for m in memberships if m.phone}
    claims = await pending_claims(session, user_id=user.id)
    keep = max((m for m in memberships if m.name), key=lambda m: m.id or 0, default=None)
    for m in memberships:
        m.phone = None
        if not (claims and m is keep):
            m.name = None
    telegram_id, username = user.telegram_id, user.username
    identifiers = Identifiers(
        names=names | ({user.display_name} if user.display_name else set()),
        phones=phones,
        username=username,
        telegram_id=telegram_id,
    )
    dropped, scrubbed = await _scrub_outbox(session, user=user, who=identifiers)
    await _scrub_own_rows(session, user=user, who=identifiers)
    await erase_injury_details(session, user_id=user.id)
    await volunteering.erase(session, user=user)  # activist role, story consents
    await agenda_personal.forget(session, user_id=user.id)
    if telegram_id is not None:
        await _forget_chat_state(session, telegram_id=telegram_id)
        if forget_chat is not None:
            await forget_chat(telegram_id)
    await session.execute(delete(ReferralCode).where(ReferralCode.user_id == user.id))
    await survey_privacy.erase_answers(session, user_id=user.id)
    await forget_bookings(session, user_id=user.id)  # station slots not done, volunteering
    await session.execute(delete(SignInCode).where(SignInCode.user_id == user.id))
    await session.execute(delete(SignInLock).where(SignInLock.user_id == user.id))
    revoked = await sign_out_everywhere(session, user_id=user.id)
    user.telegram_id = None
    user.username = None
    user.display_name = ""
    user.unreachable = True
    await session.flush()
    return Erased(dropped, scrubbed, revoked, [c.id for c in claims if c.id is not None])


async def release_claimant(session: AsyncSession, *, rider_id: int) -> None:
    """A claim ended: a claimant who left keeps no name once no claim of theirs is pending."""
    user = await session.get(User, rider_id)
    if not is_erased(user) or await pending_claims(session, user_id=rider_id):
        return
    await session.execute(
        update(Membership)
        .where(Membership.user_id == rider_id, Membership.status == MembershipStatus.left)
        .values(name=None)
        .execution_options(synchronize_session="fetch")
    )


# --- what the person left in other rows ----------------------------------------------


@dataclass(frozen=True)
class Identifiers:
    names: set[str]
    phones: set[str]
    username: str | None
    telegram_id: int | None

    def pattern(self) -> re.Pattern[str] | None:
        """One regex for every form a notice may hold: as typed and HTML-escaped, the
        username with or without @, and the id only as a whole number."""
        words: set[str] = set()
        for raw in (*self.names, *self.phones, *([self.username] if self.username else [])):
            if len(raw) >= MIN_NAME:
                words |= {raw, html.escape(raw)}
        for phone in self.phones:  # as staff outside the zone and groups see it
            words.add(f"{phone[:3]}****{phone[-4:]}")
        parts = [re.escape(w) for w in sorted(words, key=len, reverse=True) if w]
        if self.telegram_id is not None:
            parts.append(rf"(?<!\d){self.telegram_id}(?!\d)")
        if self.username:
            parts.insert(0, "@" + re.escape(self.username))
        return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def _replace(value: Any, pattern: re.Pattern[str], placeholder: str) -> Any:
    if isinstance(value, str):
        return pattern.sub(placeholder, value)
    if isinstance(value, dict):
        return {k: _replace(v, pattern, placeholder) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, pattern, placeholder) for v in value]
    return value


async def _scrub_outbox(session: AsyncSession, *, user: User, who: Identifiers) -> tuple[int, int]:
    """Rows to the person go (sent or not: none may keep their chat id); notices about them
    to others keep their sense with "a former member" in place of who they were."""
    to_them = [Outbox.user_id == user.id]
    if who.telegram_id is not None:
        to_them.append(Outbox.chat_id == who.telegram_id)
    dropped = await session.execute(delete(Outbox).where(or_(*to_them)))
    pattern = who.pattern()
    if pattern is None:
        return int(dropped.rowcount or 0), 0  # type: ignore[attr-defined]
    languages = dict((await session.execute(select(User.id, User.language))).all())
    scrubbed = 0
    since = user.created_at - timedelta(hours=1)
    # Payloads are JSON (no portable substring search): read them in pages, change few.
    last = 0
    while True:
        rows = list(
            (
                await session.execute(
                    select(Outbox)
                    # Nothing about the person was written before they first wrote to us
                    # (an hour's margin for the clocks of several instances).
                    .where(Outbox.id > last, Outbox.created_at >= since)  # type: ignore[operator]
                    .order_by(Outbox.id)
                    .limit(500)
                )
            ).scalars()
        )
        if not rows:
            break
        last = rows[-1].id or last
        for row in _mentioning(rows, pattern):
            lang = languages.get(row.user_id, "zh") if row.user_id else "zh"
            row.payload = _replace(row.payload, pattern, text(lang, PLACEHOLDER_KEY))
            scrubbed += 1
    await session.flush()
    return int(dropped.rowcount or 0), scrubbed  # type: ignore[attr-defined]


def _mentioning(rows: Iterable[Outbox], pattern: re.Pattern[str]) -> list[Outbox]:
    return [row for row in rows if _contains(row.payload, pattern)]


def _contains(value: Any, pattern: re.Pattern[str]) -> bool:
    if isinstance(value, str):
        return pattern.search(value) is not None
    if isinstance(value, dict):
        return any(_contains(v, pattern) for v in value.values())
    if isinstance(value, list):
        return any(_contains(v, pattern) for v in value)
    return False


# Rows that are the person's own or about their cases: the free text in them (a case's
# description, a reply to it, a tip, a file name) may hold what the person told us.
_OWNED_VIA = {"user": "id", "case": "id", "wage_claim": "id"}
_SKIP = {"user", "membership", "outbox", "alembic_version"}


def _text_columns(table: Table) -> list[Any]:
    return [
        c
        for c in table.columns
        if not c.primary_key
        and not c.foreign_keys
        and (
            isinstance(c.type, JSON)
            or (isinstance(c.type, String) and not isinstance(c.type, Enum))
        )
    ]


async def _scrub_own_rows(session: AsyncSession, *, user: User, who: Identifiers) -> None:
    """Every table (found in the metadata, so later tables are covered) with a column that
    points at the person, their cases or their claims: the person's name, phone, username
    and id in its text and JSON become "a former member". The rows themselves stay."""
    pattern = who.pattern()
    if pattern is None:
        return
    placeholder = text(user.language, PLACEHOLDER_KEY)
    owners = {
        "user": select(User.id).where(User.id == user.id).scalar_subquery(),
        "case": select(Case.id).where(Case.rider_id == user.id),
        "wage_claim": select(WageClaim.id).where(WageClaim.rider_id == user.id),
    }
    for table in SQLModel.metadata.sorted_tables:
        if table.name in _SKIP or not (texts := _text_columns(table)):
            continue
        links = [
            c.in_(owners[fk.column.table.name]) if fk.column.table.name != "user" else c == user.id
            for c in table.columns
            for fk in c.foreign_keys
            if fk.column.table.name in _OWNED_VIA
        ]
        if not links:
            continue
        keys = list(table.primary_key.columns)
        rows = (await session.execute(select(*keys, *texts).where(or_(*links)))).all()
        for row in rows:
            values = row._mapping
            changed = {
                c.name: _replace(values[c.name], pattern, placeholder)
                for c in texts
                if _contains(values[c.name], pattern)
            }
            if changed:
                await session.execute(
                    update(table).where(and_(*(k == values[k.name] for k in keys))).values(changed)
                )


async def _forget_chat_state(session: AsyncSession, *, telegram_id: int) -> None:
    """FSM rows whose key names the person's chat or user id (aiogram's key builder joins
    the parts with ':'), in private chats and in any group they wrote in."""
    needle = str(telegram_id)
    keys = (
        await session.execute(select(ChatState.key).where(ChatState.key.contains(needle)))
    ).scalars()
    doomed = [k for k in keys if needle in k.split(":")]
    if doomed:
        await chat_state.forget_keys(session, keys=doomed)


# --- conversations kept in Redis (aiogram's FSM keys) -----------------------------------


async def forget_redis_chat(redis: Redis, telegram_id: int, *, prefix: str = "fsm") -> int:
    """Deletes the FSM keys naming this chat or user id. aiogram's key builder joins
    prefix, bot id, chat id, (thread,) user id, destiny and part with ':'. Lock keys are
    left to their holder: the update handling /leave holds one and deletes it itself."""
    needle = str(telegram_id)
    doomed = [
        key
        async for key in redis.scan_iter(match=f"{prefix}:*{needle}*", count=500)
        if needle in (parts := (key.decode() if isinstance(key, bytes) else key).split(":"))
        and parts[-1] != "lock"
    ]
    if doomed:
        await redis.delete(*doomed)
    return len(doomed)


def redis_url_forgetter(redis_url: str | None) -> ForgetChat | None:
    """For a process without a dispatcher (the API alone): a short connection to the same
    Redis the bots' FSM storage uses."""
    if not redis_url:
        return None

    async def forget(telegram_id: int) -> None:
        client = Redis.from_url(redis_url)
        try:
            await forget_redis_chat(client, telegram_id)
        finally:
            await client.aclose()

    return forget
