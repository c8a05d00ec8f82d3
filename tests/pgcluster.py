"""A throwaway PostgreSQL cluster that a test may stop, freeze and start again.

Fault tests need a database they can take down without harming the machine's service or
other tests: `throwaway_pg` gives each test its own cluster on a free port, copied from a
template data directory that was initialised and migrated once per session.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from models.db import upgrade
from tests.conftest import unavailable

DATABASE = "desk"


def _bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if found:
        return found[-1].parent
    which = shutil.which("pg_ctl")
    return Path(which).parent if which else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class ThrowawayPG:
    """One cluster in its own folder. `url` is the migrated database `desk` on it."""

    def __init__(self, bindir: Path, datadir: Path, port: int) -> None:
        self.bindir, self.datadir, self.port = bindir, datadir, port
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/{DATABASE}"

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start_sync(self) -> None:
        opts = f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-o", opts, "-l", str(self.datadir / "log"), "-w", "start")

    def stop_sync(self, mode: str = "immediate") -> None:
        self._pg_ctl("-m", mode, "-w", "stop")

    async def start(self) -> None:
        """Start (again) on the same port: clients reconnect by themselves."""
        await asyncio.to_thread(self.start_sync)

    async def stop(self, mode: str = "immediate") -> None:
        """Stop the server: new connections are refused, open ones are cut."""
        await asyncio.to_thread(self.stop_sync, mode)

    def _pids(self) -> list[int]:
        pid = int((self.datadir / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True
        ).stdout.split()
        return [pid, *map(int, children)]

    async def freeze(self) -> None:
        """SIGSTOP the server and its backends: connections hang instead of failing."""
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    async def thaw(self) -> None:
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)

    def running(self) -> bool:
        return (self.datadir / "postmaster.pid").exists()


@pytest.fixture(scope="session")
def pg_cluster_template() -> Iterator[tuple[Path, Path]]:
    """initdb once, migrate `desk` to head, stop: each test copies this data directory."""
    bindir = _bindir()
    if bindir is None or (shutil.which("runuser") is None and os.geteuid() == 0):
        unavailable("PostgreSQL server binaries (pg_ctl, initdb) are not installed")
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="ru-pgtpl-"))
    root.chmod(0o755)
    datadir = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    subprocess.run(
        _as_postgres([str(bindir / "initdb"), "-D", str(datadir), "-A", "trust", "-U", "postgres"]),
        check=True,
        capture_output=True,
        timeout=120,
    )
    cluster = ThrowawayPG(bindir, datadir, _free_port())
    cluster.start_sync()
    try:
        subprocess.run(
            _as_postgres(
                [
                    str(bindir / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(cluster.port),
                    "-U",
                    "postgres",
                    DATABASE,
                ]
            ),
            check=True,
            capture_output=True,
            timeout=60,
        )
        asyncio.run(upgrade(cluster.url))
    finally:
        cluster.stop_sync("fast")
    yield bindir, datadir
    shutil.rmtree(root, ignore_errors=True)


def _copy_cluster(template: Path) -> Path:
    root = Path(tempfile.mkdtemp(prefix="ru-pg-"))
    root.chmod(0o755)
    datadir = root / "data"
    shutil.copytree(template, datadir, symlinks=True)
    datadir.chmod(0o700)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres", str(root)], check=True)
    return datadir


@pytest.fixture
async def throwaway_pg(pg_cluster_template: tuple[Path, Path]) -> AsyncIterator[ThrowawayPG]:
    bindir, template = pg_cluster_template
    datadir = await asyncio.to_thread(_copy_cluster, template)
    cluster = ThrowawayPG(bindir, datadir, _free_port())
    await cluster.start()
    yield cluster
    if cluster.running():
        await cluster.thaw()
        await cluster.stop()
    await asyncio.to_thread(shutil.rmtree, datadir.parent, True)
