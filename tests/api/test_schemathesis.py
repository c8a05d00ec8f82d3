"""schemathesis against the live app: every operation, generated requests, all checks.

The app runs as `riderunion serve` in its own process, exactly as deployed; schemathesis
runs as its CLI, every phase including the stateful one, which follows the OpenAPI links
(report a case, then open it, add to it...). Who it is comes from schemathesis_hooks.py:
the demo admin on staff operations, a member rider signed in through the bot elsewhere;
signing out and leaving are in the run too."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.core.test_cli import BIN, _env, _free_port, _run

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-admin-password"


async def test_schemathesis_finds_no_failures(tmp_path: Path, db_url: str) -> None:
    """On both databases: PostgreSQL refuses what SQLite takes (NUL in text, integers past
    32 bits), and schemathesis found exactly such 500s there."""
    port = _free_port()
    env = _env(tmp_path, port) | {
        "DATABASE_URL": db_url,
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
    await proc.communicate(PASSWORD.encode() + b"\n")
    assert proc.returncode == 0

    log = tmp_path / "serve.log"  # a file, not a pipe nobody reads once the run starts
    with log.open("wb") as out_file:
        server = await asyncio.create_subprocess_exec(
            str(BIN), "serve", env=env, cwd=tmp_path, stdout=out_file, stderr=out_file
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if b"running on" in log.read_bytes():
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("serve did not start: " + log.read_text(errors="replace"))
        hooks = {"SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks", "PYTHONPATH": str(ROOT)}
        who = {"RU_BASE": base, "RU_ADMIN_PASSWORD": PASSWORD}
        runner = await asyncio.create_subprocess_exec(
            str(SCHEMATHESIS),
            "--config-file",
            str(Path(__file__).with_name("schemathesis.toml")),
            "run",
            f"{base}/api/v1/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "25",
            "--workers",
            "1",
            "--seed",
            "1",
            env=env | hooks | who,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(runner.communicate(), 600)
    finally:
        server.terminate()
        await server.wait()
    report = out.decode()
    assert runner.returncode == 0, report + log.read_text(errors="replace")[-5000:]
    assert "No issues found" in report or "passed" in report, report
    assert "✅ Stateful" in report, report  # the links were followed, not skipped
