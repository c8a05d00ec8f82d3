"""All configuration, read once from the environment and `.env`."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_TOKEN = "1000000001:sandbox-token"


class BotMode(StrEnum):
    polling = "polling"
    webhook = "webhook"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{ROOT / 'var' / 'riderunion.db'}",
        description="an SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://…",
    )
    bot_token: SecretStr | None = Field(default=None, description="a token from @BotFather")
    bot_mode: BotMode = Field(default=BotMode.polling, description="polling or webhook")
    webhook_url: str | None = Field(
        default=None, description="the public https URL of /telegram/webhook"
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="1-256 characters A-Z, a-z, 0-9, _ and -"
    )
    redis_url: str | None = Field(
        default=None, description="redis://host:port/db for FSM storage and API request counts"
    )
    db_pool_size: int = Field(
        default=30,
        ge=1,
        le=500,
        description="database connections each process keeps open (up to 10 more when busy)",
    )
    http_host: str = Field(default="127.0.0.1", description="an address to listen on")
    http_port: int = Field(default=8080, ge=0, le=65535, description="a port 1-65535 (0: any free)")
    timezone: str = Field(default="Asia/Shanghai", description="an IANA time zone name")
    default_language: str = Field(default="zh", description="zh or en")
    sandbox: bool | None = Field(
        default=None, description="1 to run the local Telegram sandbox even with BOT_TOKEN set"
    )
    telegram_api_base: str | None = Field(
        default=None,
        description="base URL of another Bot API server (e.g. a sandbox run elsewhere)",
    )
    public_url: str | None = Field(default=None, description="the URL people open, for links")
    secret_key: SecretStr = Field(
        default=SecretStr("dev-only-secret-change-me"),
        description="a long random string that signs member cards and sessions",
    )
    claim_amount_cap_fen: int = Field(
        default=50_000_000, gt=0, description="the largest wage claim in fen (default ¥500000)"
    )
    evidence_max_bytes: int = Field(
        default=20 * 1024 * 1024, gt=0, description="the largest evidence file in bytes"
    )
    outbox_interval: float = Field(default=1.0, gt=0, description="seconds between outbox drains")
    api_rate_per_ip: str = Field(default="120/minute", description="a rate like 120/minute")
    api_rate_per_token: str = Field(default="300/minute", description="a rate like 300/minute")
    api_rate_sign_in: str = Field(default="20/minute", description="a rate like 20/minute")
    trusted_proxies: str = Field(
        default="",
        description="your reverse proxies' addresses or networks, comma-separated "
        "(e.g. 127.0.0.1,10.0.0.0/8): their X-Forwarded-For names the client",
    )
    routes_dir: Path = Field(
        default=Path("routes_data/demo"),
        description="a directory of route GeoJSON files (relative to the project root)",
    )
    handbook_dir: Path = Field(
        default=Path("routes_data/handbook"), description="a directory with zh/ and en/ topics"
    )
    upload_dir: Path = Field(
        default=Path("var/uploads"),
        description="where photos uploaded through the API are kept (relative to the root)",
    )
    holidays: str = Field(
        default="routes_data/holidays/cn.txt",
        description="a holiday file (one YYYY-MM-DD a line) or dates separated by commas",
    )
    sla_policy: Path = Field(
        default=Path("services/data/sla_policy.toml"),
        description="the SLA policy TOML file (deadlines, calendars, escalation ladder)",
    )
    escalation_interval: float = Field(
        default=60.0, gt=0, description="seconds between escalation sweeps"
    )

    @field_validator("api_rate_per_ip", "api_rate_per_token", "api_rate_sign_in")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError("expected a rate such as 120/minute") from exc
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        from api.ratelimit import networks

        networks(value)  # ValueError names the bad entry
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in ("zh", "en"):
            raise ValueError("expected zh or en")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA time zone such as Asia/Shanghai") from exc
        from services import local_time

        local_time.install(value)  # every date shown from now is of this zone
        return value

    @field_validator("routes_dir", "handbook_dir", "upload_dir")
    @classmethod
    def _from_root(cls, value: Path) -> Path:
        return value if value.is_absolute() else ROOT / value

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: str) -> str:
        from services.guides.holidays import HolidaysError, load_holidays

        try:
            load_holidays(value, ROOT)
        except HolidaysError as exc:
            raise ValueError(str(exc)) from exc
        return value

    @field_validator("sla_policy")
    @classmethod
    def _sla_policy(cls, value: Path, info: ValidationInfo) -> Path:
        from services.escalation.policy import PolicyError, install, load_policy
        from services.guides.holidays import HolidaysError, load_holiday_calendar

        path = value if value.is_absolute() else ROOT / value
        try:
            days = load_holiday_calendar(info.data.get("holidays", ""), ROOT)
            tz = info.data.get("timezone", "Asia/Shanghai")
            install(  # the policy in force from now
                load_policy(path, tz=tz, holidays=days.days_off, workdays=days.workdays)
            )
        except (PolicyError, HolidaysError) as exc:
            raise ValueError(str(exc)) from exc
        return path

    @field_validator("database_url")
    @classmethod
    def _db(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "expected sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/DB"
            )
        return value

    @model_validator(mode="after")
    def _webhook(self) -> Settings:
        if self.bot_mode is BotMode.webhook and not (self.webhook_url and self.webhook_secret):
            raise ValueError("BOT_MODE=webhook needs WEBHOOK_URL and WEBHOOK_SECRET")
        return self

    @property
    def sandbox_enabled(self) -> bool:
        """The sandbox runs when there is no real token, or when asked for explicitly."""
        return self.sandbox if self.sandbox is not None else self.bot_token is None

    @property
    def token(self) -> str:
        return self.bot_token.get_secret_value() if self.bot_token else SANDBOX_TOKEN

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def holiday_dates(self) -> frozenset[date]:
        from services.guides.holidays import load_holidays

        return load_holidays(self.holidays, ROOT)

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.http_host}:{self.http_port}"


class SettingsError(SystemExit):
    """Start-up stops with one line per bad variable: its name and what it expects."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "_".join(str(p) for p in err["loc"]).upper() or "settings"
            field = Settings.model_fields.get(str(err["loc"][0])) if err["loc"] else None
            expects = field.description if field and field.description else err["msg"]
            lines.append(f"  {name}: {err['msg']} (expected {expects})")
        raise SettingsError("Bad configuration:\n" + "\n".join(lines)) from None
