"""A bad setting stops start-up with the variable's name and what it expects."""

from __future__ import annotations

import pytest

from app.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"HTTP_PORT": "eighty"}, "HTTP_PORT"),
        ({"HTTP_PORT": "70000"}, "a port 1-65535"),
        ({"TIMEZONE": "Mars/Olympus"}, "IANA time zone"),
        ({"DEFAULT_LANGUAGE": "fr"}, "zh or en"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"BOT_MODE": "carrier-pigeon"}, "polling or webhook"),
        ({"BOT_MODE": "webhook"}, "needs WEBHOOK_URL and WEBHOOK_SECRET"),
        ({"DB_POOL_SIZE": "0"}, "DB_POOL_SIZE"),
    ],
)
def test_bad_value_names_the_variable(monkeypatch, env: dict[str, str], expected: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as exc:
        load_settings(_env_file=None)
    assert expected in str(exc.value)


def test_defaults_run_the_sandbox_on_sqlite(monkeypatch) -> None:
    for key in ("BOT_TOKEN", "SANDBOX", "DATABASE_URL", "HTTP_PORT"):
        monkeypatch.delenv(key, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.sandbox_enabled
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert (settings.http_host, settings.http_port, settings.timezone) == (
        "127.0.0.1",
        8080,
        "Asia/Shanghai",
    )


def test_a_real_token_turns_the_sandbox_off_unless_asked(monkeypatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.delenv("SANDBOX", raising=False)
    assert not load_settings(_env_file=None).sandbox_enabled
    monkeypatch.setenv("SANDBOX", "1")
    assert load_settings(_env_file=None).sandbox_enabled


def test_the_pool_size_reaches_the_desks_engine(monkeypatch, tmp_path) -> None:
    from app.runtime import Runtime

    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'pool.db'}")
    monkeypatch.setenv("DB_POOL_SIZE", "7")
    runtime = Runtime(load_settings(_env_file=None), bot=False, scheduler=False)
    assert runtime.ctx.engine.pool.size() == 7  # type: ignore[attr-defined]
    assert runtime.ctx.engine.pool._max_overflow == 10  # type: ignore[attr-defined]
