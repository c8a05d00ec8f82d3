"""schemathesis against the live app: every operation, generated requests, all checks.

The app runs as `riderunion serve` in its own process, exactly as deployed; schemathesis
runs as its CLI with a staff token. Sign-out is left out of the generated run (it would
revoke the token the rest of the run uses) and is tested in test_auth.py."""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.request
from pathlib import Path

from tests.core.test_cli import BIN, _env, _free_port, _run

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


async def test_schemathesis_finds_no_failures(tmp_path: Path) -> None:
    port = _free_port()
    env = _env(tmp_path, port) | {
        "API_RATE_PER_IP": "100000/minute",
        "API_RATE_PER_TOKEN": "100000/minute",
        "API_RATE_SIGN_IN": "100000/minute",
    }
    assert (await _run("migrate", env=env, cwd=tmp_path))[0] == 0
    assert (await _run("demo-data", env=env, cwd=tmp_path))[0] == 0
    proc = await asyncio.create_subprocess_exec(
        str(BIN),
        "set-password",
        "--telegram-id",
        "900001",
        env=env,
        cwd=tmp_path,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    await proc.communicate(b"a-long-admin-password\n")
    assert proc.returncode == 0

    server = await asyncio.create_subprocess_exec(
        str(BIN),
        "serve",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while b"running on" not in await asyncio.wait_for(server.stdout.readline(), 60):  # type: ignore[union-attr]
            pass
        token = await asyncio.to_thread(_admin_token, base)
        runner = await asyncio.create_subprocess_exec(
            str(SCHEMATHESIS),
            "run",
            f"{base}/api/v1/openapi.json",
            "--checks",
            "all",
            "--exclude-operation-id",
            "sign_out",
            "--header",
            f"Authorization: Bearer {token}",
            "--max-examples",
            "25",
            "--workers",
            "1",
            "--seed",
            "1",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(runner.communicate(), 600)
    finally:
        server.terminate()
        await server.wait()
    report = out.decode()
    assert runner.returncode == 0, report
    assert "No issues found" in report or "passed" in report, report


def _admin_token(base: str) -> str:
    body = json.dumps({"login": "900001", "password": "a-long-admin-password"}).encode()
    req = urllib.request.Request(
        f"{base}/api/v1/auth/password", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)["access_token"]
