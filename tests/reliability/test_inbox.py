"""The inbox: an update is kept before Telegram is told it arrived, and handled from there in
order per chat. Real faults: a PostgreSQL cluster stopped and frozen mid-form, the same
webhook update posted twice, quick messages with Redis storage, a message queued before
/leave."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from sqlalchemy import func, select

from app.runtime import Runtime
from bot.inbox import InboxWorker
from models import Inbox, InboxStatus, User
from services.texts import text
from tests.cases.conftest import people
from tests.chat import Chat, button, has_button
from tests.conftest import REDIS_URL, DeskFactory, _pg_dsn, require_redis
from tests.membership.helpers import load_demo
from tests.pgcluster import ThrowawayPG
from tests.sandbox_client import SandboxClient

# Riders here type faster than a person: the per-chat limit is not what is tested.
pytestmark = pytest.mark.fast_taps

RIDER = 760001


@pytest.fixture
async def pg_desks(throwaway_pg: ThrowawayPG, sandbox: SandboxClient) -> AsyncIterator[DeskFactory]:
    factory = DeskFactory(throwaway_pg.url, sandbox)
    yield factory
    if throwaway_pg.running():
        await throwaway_pg.thaw()
    for runtime in list(factory.running):
        await factory.stop(runtime)


async def _at_the_name_step(rt: Runtime, sandbox: SandboxClient) -> None:
    rider = Chat(sandbox, RIDER)
    await load_demo(rt)
    await sandbox.user(RIDER, "Wang", language="en")
    menu = await rider.say("/start")
    privacy = await rider.press_for(menu, "menu:join", has_button("j:ok"))
    ask_name = await rider.press_for(privacy, "j:ok", has_button("j:back"))
    assert "1/7" in ask_name["text"]


async def _rest_of_the_form_follows(sandbox: SandboxClient, sent: int) -> None:
    """The name sent during the outage is taken as the name (the phone step follows), and
    the next answer as the phone: nothing lost, nothing shifted by a step."""
    # An update whose handling was cut waits for its lease to run out: up to a minute.
    rider = Chat(sandbox, RIDER)
    has_keyboard = lambda m: bool(m.get("reply_keyboard"))  # noqa: E731
    ask_phone = await rider.wait_for(has_keyboard, after=sent, seconds=60)
    assert "2/7" in ask_phone["text"]
    sent_phone = await sandbox.send(
        RIDER, contact={"phone_number": "+86 138 0013 8000", "user_id": RIDER}
    )
    await rider.wait_for(has_button("j:pf"), after=sent_phone)
    said = [m["text"] for m in await sandbox.messages(RIDER, after=sent)]
    assert text("en", "error.generic") not in said


async def test_a_message_sent_while_the_database_is_stopped_is_handled_once_it_is_back(
    pg_desks: DeskFactory, throwaway_pg: ThrowawayPG, sandbox: SandboxClient
) -> None:
    rt = await pg_desks.start()
    await _at_the_name_step(rt, sandbox)

    await throwaway_pg.stop()
    sent = await sandbox.send(RIDER, "Wang Qiang")
    await asyncio.sleep(2)  # the desk meets the refused connection a few times
    await throwaway_pg.start()  # the same desk, not restarted

    await _rest_of_the_form_follows(sandbox, sent)


async def test_a_message_sent_while_the_database_hangs_is_handled_once_it_answers(
    pg_desks: DeskFactory, throwaway_pg: ThrowawayPG, sandbox: SandboxClient
) -> None:
    rt = await pg_desks.start()
    await _at_the_name_step(rt, sandbox)

    await throwaway_pg.freeze()
    sent = await sandbox.send(RIDER, "Wang Qiang")
    await asyncio.sleep(12)  # longer than the desk waits on one query: its timeouts fire
    await throwaway_pg.thaw()

    await _rest_of_the_form_follows(sandbox, sent)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _update(update_id: int, command: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id % 100000,
            "date": 0,
            "chat": {"id": RIDER, "type": "private"},
            "from": {"id": RIDER, "is_bot": False, "first_name": "Wang", "language_code": "en"},
            "text": command,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


async def test_the_same_webhook_update_posted_twice_is_handled_once(
    desks: DeskFactory, sandbox: SandboxClient, db_url: str
) -> None:
    port = _free_port()
    rt = await desks.start(
        bot_mode="webhook",
        http_port=port,
        webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
        webhook_secret="s3cret-token",
    )
    await sandbox.user(RIDER, "Wang", language="en")
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
    first = 10**9
    async with aiohttp.ClientSession() as http:
        # Telegram sends an update again when our answer was slow or lost.
        again = [_update(first, "/help"), _update(first, "/help"), _update(first + 1, "/language")]
        for update in again:
            async with http.post(f"{rt.url}/telegram/webhook", json=update, headers=headers) as r:
                assert r.status == 200
    # The chat's updates are handled in order: once /language is answered, /help was.
    said: list[str] = []
    for _ in range(100):
        messages = await sandbox.messages(RIDER, wait=0.5)
        said = [m["text"] for m in messages]
        if any(has_button("lang:")(m) for m in messages):
            break
        await asyncio.sleep(0.1)
    helps = [t for t in said if t.startswith("What I can do for you")]
    assert len(helps) == 1, said
    async with rt.ctx.sessions() as session:
        row = await session.get(Inbox, first)
    # Handled, and the rider's words are not kept once handled.
    assert row is not None
    assert (row.status, row.payload, row.chat_id) == (InboxStatus.done, None, None)


COMMANDS = ["/help", "/language", "/card", "/mycases"]


async def test_quick_messages_with_redis_storage_are_handled_in_order(
    desks: DeskFactory, sandbox: SandboxClient
) -> None:
    await require_redis()
    await desks.start(redis_url=REDIS_URL)
    await sandbox.user(RIDER, "Wang", language="en")
    first_line: dict[str, str] = {}
    for command in COMMANDS:  # what each answers, one at a time
        first_line[command] = (await sandbox.reply_to(RIDER, command))["text"].split("\n")[0]
    assert len(set(first_line.values())) == len(COMMANDS)

    for _round in range(2):
        sent = COMMANDS * 2
        mark = (await sandbox.messages(RIDER))[-1]["message_id"]
        for command in sent:  # 8 quick messages, no waiting for answers
            await sandbox.send(RIDER, command)
        firsts: list[str] = []
        for _ in range(100):
            said = await sandbox.messages(RIDER, after=mark, wait=0.5)
            firsts = [m["text"].split("\n")[0] for m in said if m.get("text")]
            if len(firsts) >= len(sent):
                break
            await asyncio.sleep(0.1)
        assert firsts == [first_line[c] for c in sent]


async def test_a_message_queued_before_leave_cannot_bring_the_rider_back(
    desks: DeskFactory, sandbox: SandboxClient
) -> None:
    await require_redis()
    riders = tuple(range(760101, 760109))
    rt = await desks.start(redis_url=REDIS_URL)
    await people(rt, sandbox, members=riders)

    async def hello_then_leave(rider: int) -> None:
        confirm = await Chat(sandbox, rider).say("/leave")
        yes = button(confirm, "lv:1")
        first = await sandbox.send(rider, "hello")  # queued before the confirmation
        for _ in range(2):
            await sandbox.send(rider, "hello")
        await sandbox.press(rider, confirm["message_id"], yes)
        # The hellos, in order before the confirmation, become one question offered to the
        # union (the later two join it); the confirmation's answer comes after them, last.
        left = text("en", "erasure.left")
        offer = "Send this to the union's representatives?"
        said: list[str] = []
        for _ in range(200):
            said = [m["text"] for m in await sandbox.messages(rider, after=first)]
            if left in said:
                break
            await asyncio.sleep(0.1)
        assert said and said[0].startswith(offer) and said[-1] == left, said

    await asyncio.gather(*(hello_then_leave(r) for r in riders))
    async with rt.ctx.sessions() as session:
        back = await session.scalar(
            select(func.count()).select_from(User).where(User.telegram_id.in_(riders))
        )
    assert back == 0


async def _webhook_desk(desks: DeskFactory) -> Runtime:
    port = _free_port()
    return await desks.start(
        bot_mode="webhook",
        http_port=port,
        webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
        webhook_secret="s3cret-token",
    )


async def test_an_update_that_keeps_failing_is_given_up_and_does_not_block_its_chat(
    desks: DeskFactory, sandbox: SandboxClient, db_url: str
) -> None:
    rt = await _webhook_desk(desks)
    await sandbox.user(RIDER, "Wang", language="en")
    broken = {"update_id": 2 * 10**9, "message": {"chat": {"id": RIDER}, "text": "?"}}
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
    async with aiohttp.ClientSession() as http:
        for update in (broken, _update(2 * 10**9 + 1, "/help")):
            async with http.post(f"{rt.url}/telegram/webhook", json=update, headers=headers) as r:
                assert r.status == 200
    found: list[str] = []
    for _ in range(300):  # the broken update is tried 3 times, then the chat goes on
        found = [m["text"] for m in await sandbox.messages(RIDER, wait=0.5)]
        if any(t.startswith("What I can do for you") for t in found):
            break
        await asyncio.sleep(0.1)
    assert any(t.startswith("What I can do for you") for t in found), found
    async with rt.ctx.sessions() as session:
        row = await session.get(Inbox, 2 * 10**9)
    assert row is not None
    assert (row.status, row.attempts, row.payload) == (InboxStatus.failed, 3, None)


async def test_the_webhook_answers_503_while_the_database_is_down_and_recovers(
    pg_desks: DeskFactory, throwaway_pg: ThrowawayPG, sandbox: SandboxClient
) -> None:
    rt = await _webhook_desk(pg_desks)
    await sandbox.user(RIDER, "Wang", language="en")
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
    update = _update(3 * 10**9, "/help")
    url = f"{rt.url}/telegram/webhook"
    async with aiohttp.ClientSession() as http:
        await throwaway_pg.stop()
        async with http.post(url, json=update, headers=headers) as r:
            assert r.status == 503  # not kept: Telegram must send it again
        await throwaway_pg.start()
        async with http.post(url, json=update, headers=headers) as r:
            assert r.status == 200
    rider = Chat(sandbox, RIDER)
    answer = await rider.wait_for(lambda m: m["text"].startswith("What I can do"))
    assert answer


async def test_the_database_failing_during_a_handler_loses_nothing_and_says_so_truly(
    pg_desks: DeskFactory, throwaway_pg: ThrowawayPG, sandbox: SandboxClient
) -> None:
    """The update is already kept when its handler meets the outage: the error handler
    (which crashed on a refused connection) tells the rider it is kept, and it is handled
    once the database is back."""
    rt = await pg_desks.start()
    await _at_the_name_step(rt, sandbox)
    lock = await asyncpg.connect(_pg_dsn(throwaway_pg.url), timeout=10)
    await lock.execute('BEGIN; LOCK TABLE "user" IN ACCESS EXCLUSIVE MODE')
    sent = await sandbox.send(RIDER, "Wang Qiang")
    waiting = 0
    for _ in range(200):  # the handler waits on the user table: mid-update
        waiting = await lock.fetchval(
            "select count(*) from pg_stat_activity"
            " where datname = current_database() and wait_event_type = 'Lock'"
        )
        if waiting:
            break
        await asyncio.sleep(0.1)
    assert waiting
    await throwaway_pg.stop()  # cuts the handler's connection (and the lock's)
    kept = await Chat(sandbox, RIDER).wait_for(after=sent)
    assert kept["text"] == text("en", "inbox.kept")
    await throwaway_pg.start()

    await _rest_of_the_form_follows(sandbox, sent)


async def test_two_instances_share_the_inbox_and_keep_each_chats_order(
    sandbox: SandboxClient, pg_url: str
) -> None:
    """Two workers, each on its own engine as two instances would be, on one PostgreSQL
    inbox (SKIP LOCKED leases): three riders' quick messages are each answered in order."""
    from models.db import make_engine, make_sessionmaker

    factory = DeskFactory(pg_url, sandbox)
    rt = await factory.start()
    assert rt.inbox is not None and rt.poller is not None and rt.ctx.bot is not None
    await rt.inbox.stop()  # replaced by the two below
    engines = [make_engine(pg_url) for _ in range(2)]
    workers = [InboxWorker(rt.ctx.bot, rt._dispatcher(), make_sessionmaker(e)) for e in engines]
    # As behind a load balancer, both hear of new updates at once and race for them.
    workers[1].wake = workers[0].wake
    rt.poller.worker = workers[0]
    for worker in workers:
        worker.start()
    riders = (RIDER, RIDER + 1, RIDER + 2)
    try:
        for rider in riders:
            await sandbox.user(rider, "Wang", language="en")
        first_line = {
            c: (await sandbox.reply_to(RIDER, c))["text"].split("\n")[0] for c in COMMANDS
        }

        async def quick(rider: int) -> list[str]:
            sent = COMMANDS * 2
            mark = max([0, *(m["message_id"] for m in await sandbox.messages(rider))])
            for command in sent:
                await sandbox.send(rider, command)
            firsts: list[str] = []
            for _ in range(300):
                said = await sandbox.messages(rider, after=mark)
                firsts = [m["text"].split("\n")[0] for m in said if m.get("text")]
                if len(firsts) >= len(sent):
                    break
                await asyncio.sleep(0.1)
            return firsts

        for _round in range(2):
            answers = await asyncio.gather(*(quick(r) for r in riders))
            assert answers == [[first_line[c] for c in COMMANDS * 2]] * len(riders)
        handled = [w.handled for w in workers]
        assert sum(handled) == 4 + 2 * len(riders) * 8
        assert min(handled) > 0, handled  # both took their share
    finally:
        for worker in workers:
            await worker.stop()
        await factory.stop(rt)
        for engine in engines:
            await engine.dispose()
