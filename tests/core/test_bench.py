"""The benchmark scripts run (tiny sizes): a bench that cannot start measures nothing.
Timings are printed by the scripts, never asserted here."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


async def test_sweep_scaling_bench_runs_and_prints_its_ratio(capsys) -> None:
    spec = importlib.util.spec_from_file_location("sweep_scaling", ROOT / "bench/sweep_scaling.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    await bench.main(None, 200, 10)
    out = capsys.readouterr().out
    assert "10 due among     200 open cases" in out and "ratio full/baseline" in out


async def test_helpdesk_compare_bench_runs_our_half_and_prints_its_table(capsys) -> None:
    """Our half only: the helpdesk venv (pip, PyPI) stays out of the test run."""
    from bench import helpdesk_compare as bench

    await bench.main(open_cases=200, due=10, db="sqlite", helpdesk=False)
    out = capsys.readouterr().out
    assert "speed-up" in out
    row = next(line for line in out.splitlines() if line.startswith("sqlite"))
    assert row.split()[:3] == ["sqlite", "200", "10"] and "skipped" in row
    assert "batches of 200 cases a transaction" in out and "1 escalation row" in out


async def test_chat_bench_runs_both_bots_and_prints_the_ratio(capsys) -> None:
    from bench import chat_load

    await chat_load.main(users=2, db="sqlite")
    out = capsys.readouterr().out
    echo = next(line for line in out.splitlines() if line.startswith("echo"))
    desk = next(line for line in out.splitlines() if line.startswith("desk on sqlite"))
    # answers, failed, then CPU ms per update: the bot's, the load's, PostgreSQL's
    assert echo.split()[-5:-3] == ["14", "0"] and desk.split()[-5:-3] == ["14", "0"]
    # /proc counts CPU in 10 ms ticks: 14 echo updates (~0.5 ms each) may read 0, the desk's
    # (several ms each) may not.
    assert float(desk.split()[-3]) > 0 and float(echo.split()[-3]) >= 0
    assert "ratio desk/echo on sqlite" in out


async def test_chat_bench_runs_the_desk_as_two_webhook_instances(capsys, pg_url: str) -> None:
    """On the test's PostgreSQL server (the pg_url fixture skips, or fails under CI=true,
    when it is not there); the bench makes and drops a database of its own on it."""
    from bench import chat_load

    await chat_load.main(users=4, db="postgres", pg_url=pg_url, instances=2)
    out = capsys.readouterr().out
    desk = next(line for line in out.splitlines() if line.startswith("desk on postgres x2"))
    assert desk.split()[-5:-3] == ["28", "0"]  # every step of the 4 riders answered


async def test_api_bench_runs_desk_and_bare_server_and_prints_ratios(capsys) -> None:
    from bench import api_load

    await api_load.main(db="sqlite", seconds=0.3, riders=3)
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("desk")]
    assert [r.split()[2:4] for r in rows] == [
        ["list", "50"],
        ["list", "200"],
        ["post", "50"],
        ["post", "200"],
    ]
    assert all(r.split()[-2] != "—" for r in rows)  # each against the bare server's rate
    assert all(float(r.split()[-1]) > 0 for r in rows)  # and the server's CPU per request


async def test_outbox_bench_runs_the_worker_and_prints_its_rate(capsys) -> None:
    from bench import outbox_rate

    result = await outbox_rate.main(notices=20, riders=10)
    out = capsys.readouterr().out
    assert "rate msg/s" in out and result["lost"] == 0 and result["duplicates"] == 0


async def test_memory_bench_runs_and_prints_both_readings(capsys) -> None:
    from bench import form_memory

    await form_memory.main(riders=5, storage="redis")
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("redis"))
    assert row.split()[-2:] == ["5", "0"]  # five forms open, none failed
