"""The console script as a newcomer runs it: migrate, demo-data, serve, in real processes."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.sandbox_client import SandboxClient

BIN = Path(sys.executable).parent / "riderunion"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "REDIS_URL", "SANDBOX")}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}",
        HTTP_PORT=str(port),
        OUTBOX_INTERVAL="0.5",
    )
    return env


async def _run(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        str(BIN),
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode()


async def test_serve_refuses_a_database_behind_on_migrations(tmp_path: Path) -> None:
    code, out = await _run("serve", env=_env(tmp_path, _free_port()), cwd=tmp_path)
    assert code != 0
    assert "riderunion migrate" in out


async def test_bad_setting_stops_start_up_with_its_name(tmp_path: Path) -> None:
    env = _env(tmp_path, _free_port()) | {"TIMEZONE": "Nowhere/City"}
    code, out = await _run("migrate", env=env, cwd=tmp_path)
    assert code != 0 and "TIMEZONE" in out and "Nowhere" not in out.split("TIMEZONE")[0]


async def test_newcomer_path_migrate_demo_serve_and_chat(tmp_path: Path) -> None:
    port = _free_port()
    env = _env(tmp_path, port)
    assert (await _run("migrate", env=env, cwd=tmp_path))[0] == 0
    code, out = await _run("demo-data", env=env, cwd=tmp_path)
    assert code == 0 and "900101" in out
    assert "代表 李强  (rep; zones XH)" in out and "(senior; zones XH, BJ)" in out
    assert "already has zones" in (await _run("demo-data", env=env, cwd=tmp_path))[1]
    code, out = await _run(
        "create-user",
        "--role",
        "rep",
        "--telegram-id",
        "555",
        "--name",
        "New Rep",
        "--zone",
        "XH",
        env=env,
        cwd=tmp_path,
    )
    assert code == 0, out

    proc = await asyncio.create_subprocess_exec(
        str(BIN),
        "serve",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        banner = ""
        while "高级代表 赵磊" not in banner:  # the last demo person
            line = await asyncio.wait_for(proc.stdout.readline(), 60)  # type: ignore[union-attr]
            assert line, f"serve ended early:\n{banner}"
            banner += line.decode()
        assert f"http://127.0.0.1:{port}/sandbox/" in banner
        assert "(admin; all zones)" in banner and "(rep; zones BJ)" in banner
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert resp.status == 200
                assert (await resp.json())["database"]["ok"] is True
            async with http.get(f"http://127.0.0.1:{port}/sandbox/") as resp:
                assert resp.status == 200 and "<html" in (await resp.text()).lower()
        client = SandboxClient(f"http://127.0.0.1:{port}")
        try:
            answer = await client.reply_to(900101, "/start")  # the demo rider, pre-seeded
            assert "骑手 小刘" in answer["text"]
        finally:
            await client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
    assert proc.returncode == 0


async def _spawn(*args: str, env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(BIN),
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def _until(proc: asyncio.subprocess.Process, marker: str) -> str:
    seen = ""
    while marker not in seen:
        line = await asyncio.wait_for(proc.stdout.readline(), 60)  # type: ignore[union-attr]
        assert line, f"process ended early:\n{seen}"
        seen += line.decode()
    return seen


async def test_web_instance_and_separate_worker_share_the_work(tmp_path: Path) -> None:
    """`serve --no-scheduler` answers chat and HTTP; a `worker` process beside it sends the
    outbox (here: a sign-in code asked for through the API) and keeps /healthz's heartbeat."""
    port = _free_port()
    env = _env(tmp_path, port)
    assert (await _run("migrate", env=env, cwd=tmp_path))[0] == 0
    assert (await _run("demo-data", env=env, cwd=tmp_path))[0] == 0
    web = await _spawn("serve", "--no-scheduler", env=env, cwd=tmp_path)
    worker = None
    client = SandboxClient(f"http://127.0.0.1:{port}")
    try:
        await _until(web, "demo users")
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert (await resp.json())["scheduler"]["ok"] is False  # no worker yet
            await client.reply_to(900101, "/help")
            async with http.post(
                f"http://127.0.0.1:{port}/api/v1/auth/code", json={"login": "900101"}
            ) as resp:
                assert resp.status == 202
            worker = await _spawn("worker", env=env, cwd=tmp_path)
            await _until(worker, "Worker running")
            texts: list[str] = []
            for _ in range(60):
                texts = [m["text"] for m in await client.messages(900101)]
                if any("验证码" in t for t in texts):
                    break
                await asyncio.sleep(0.25)
            assert any("验证码" in t for t in texts), texts
            for _ in range(20):  # the worker marks the row sent just after Telegram took it
                async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    body = await resp.json()
                if body["outbox"]["pending"] == 0:
                    break
                await asyncio.sleep(0.25)
            assert body["scheduler"]["ok"] is True and body["outbox"]["pending"] == 0, body
    finally:
        await client.close()
        for proc in (worker, web):
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(proc.wait(), 30)
    assert web.returncode == 0 and worker is not None and worker.returncode == 0
