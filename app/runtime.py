"""Composition root: joins database, bot, HTTP and scheduler into one running process."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from api.app import create_web_app
from app.scheduler import build_scheduler, heartbeat
from app.settings import BotMode, Settings
from bot.inbox import InboxWorker, Poller, webhook_handler
from bot.outbox_sender import OutboxSender
from bot.setup import build_bot, build_dispatcher, build_storage, publish_commands
from models.db import is_up_to_date, make_engine, make_sessionmaker
from services.guides import Handbook, RouteData, load_dir, load_handbook

log = logging.getLogger(__name__)


class NotMigrated(SystemExit):
    pass


@dataclass
class Context:
    """What the parts share at run time; handed to the web app and the scheduler."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bot: Bot | None = None
    dp: Dispatcher | None = None
    sender: OutboxSender | None = None
    bot_info: dict[str, Any] = field(default_factory=dict)
    routes: RouteData | None = None
    handbook: Handbook | None = None

    def bot_status(self) -> dict[str, Any]:
        if self.bot is None:
            return {"ok": True, "running": False}
        return {"ok": bool(self.bot_info), "running": True, **self.bot_info}


def api_base(settings: Settings, port: int | None = None) -> str | None:
    """Where the bot finds its Bot API server: another one if configured, else our
    sandbox when it runs (on the port we actually bound), else Telegram itself (None)."""
    if settings.telegram_api_base:
        return settings.telegram_api_base.rstrip("/")
    if settings.sandbox_enabled:
        host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::", "") else settings.http_host
        return f"http://{host}:{port or settings.http_port}/sandbox"
    return None


class Runtime:
    def __init__(
        self, settings: Settings, *, web: bool = True, bot: bool = True, scheduler: bool = True
    ) -> None:
        self.settings = settings
        self.with_web, self.with_bot, self.with_scheduler = web, bot, scheduler
        engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
        self.ctx = Context(settings, engine, make_sessionmaker(engine))
        # Route guides and the handbook are data files: read (and validated) once at start.
        self.ctx.routes = load_dir(settings.routes_dir)
        self.ctx.handbook = load_handbook(settings.handbook_dir)
        self.runner: web.AppRunner | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.inbox: InboxWorker | None = None
        self.poller: Poller | None = None
        self.port: int | None = None

    async def start(self) -> None:
        if not await is_up_to_date(self.ctx.engine):
            raise NotMigrated(
                "The database is behind on migrations. Run `riderunion migrate` first "
                "(`make run` does it for you)."
            )
        if self.with_bot and self.settings.bot_mode is BotMode.webhook:
            # The webhook route needs the bot before the server starts; its port is fixed.
            self.ctx.bot = build_bot(self.settings.token, api_base(self.settings))
        if self.with_web:
            await self._start_web()
        if self.ctx.bot is None and (self.with_bot or self.with_scheduler):
            self.ctx.bot = build_bot(self.settings.token, api_base(self.settings, self.port))
        if self.with_bot:
            await self._start_bot()
        if self.with_scheduler:
            assert self.ctx.bot is not None
            self.ctx.sender = OutboxSender(self.ctx.bot, self.ctx.sessions)
            self.scheduler = build_scheduler(self.ctx)
            self.scheduler.start()
            await heartbeat(self.ctx)  # the first beat before we say we are up

    def _build_web(self) -> web.Application:
        app = create_web_app(self.ctx)
        if self.settings.sandbox_enabled:
            from app.demo_map import demo_map
            from sandbox import create_sandbox_app

            app.add_subapp("/sandbox", create_sandbox_app(demo_map=demo_map(self.ctx.routes)))
        return app

    async def _start_web(self) -> None:
        self.web_app = self._build_web()
        if self.with_bot and self.settings.bot_mode is BotMode.webhook:
            self._register_webhook(self.web_app)
        # Cancel a handler whose client went away, e.g. a sandbox long poll at shutdown.
        self.runner = web.AppRunner(self.web_app, access_log=None, handler_cancellation=True)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.settings.http_host, self.settings.http_port)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.settings.http_port

    def _register_webhook(self, app: web.Application) -> None:
        # Telegram hears 200 only once the update is in the inbox (bot/inbox.py).
        self.ctx.dp = self._dispatcher()
        assert self.ctx.bot is not None
        self.inbox = InboxWorker(self.ctx.bot, self.ctx.dp, self.ctx.sessions)
        secret = self.settings.webhook_secret
        app.router.add_post(
            urlparse(str(self.settings.webhook_url)).path,
            webhook_handler(
                self.ctx.sessions, self.inbox, secret.get_secret_value() if secret else None
            ),
        )

    def _dispatcher(self) -> Dispatcher:
        storage = build_storage(self.ctx.sessions, self.settings.redis_url)
        return build_dispatcher(
            self.ctx.sessions,
            storage=storage,
            default_language=self.settings.default_language,
            settings=self.settings,
            routes=self.ctx.routes,
            handbook=self.ctx.handbook,
        )

    async def _start_bot(self) -> None:
        bot = self.ctx.bot
        assert bot is not None
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(TelegramNetworkError),
            stop=stop_after_attempt(6),
            wait=wait_exponential(multiplier=0.5, max=10),
            reraise=True,
        ):
            with attempt:
                me = await bot.get_me()
        self.ctx.bot_info = {"username": me.username, "id": me.id, "mode": self.settings.bot_mode}
        await publish_commands(bot, self.ctx.sessions)
        if self.settings.bot_mode is BotMode.webhook:
            assert self.ctx.dp is not None and self.inbox is not None, "webhook needs the web"
            self.inbox.start()
            secret = self.settings.webhook_secret
            await bot.set_webhook(
                str(self.settings.webhook_url),
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=self.ctx.dp.resolve_used_update_types(),
            )
            return
        self.ctx.dp = self._dispatcher()
        await bot.delete_webhook()
        # Our own getUpdates loop: the offset passes an update only once it is in the inbox.
        self.inbox = InboxWorker(bot, self.ctx.dp, self.ctx.sessions)
        self.inbox.start()
        self.poller = Poller(
            bot,
            self.ctx.sessions,
            self.inbox,
            allowed_updates=self.ctx.dp.resolve_used_update_types(),
        )
        self.poller.start()

    async def stop(self) -> None:
        if self.poller is not None:
            await self.poller.stop()
        if self.inbox is not None:
            await self.inbox.stop()  # what is not finished stays in the inbox for next time
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        if self.runner is not None:
            await self.runner.cleanup()
        if self.ctx.dp is not None:
            await self.ctx.dp.storage.close()
        if self.ctx.bot is not None:
            await self.ctx.bot.session.close()
        await self.ctx.engine.dispose()

    @property
    def url(self) -> str:
        return f"http://{self.settings.http_host}:{self.port}"
