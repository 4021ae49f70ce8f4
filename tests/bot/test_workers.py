"""`ispbot serve --workers 2`: two processes answer on one port, a worker that dies is
replaced, and SIGTERM to the supervisor stops them all."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from ispbot.bench import processes
from ispbot.bench.gateway import free_port
from ispbot.storage.migrations import upgrade

pytestmark = pytest.mark.slow


def children(pid: int) -> set[int]:
    return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


async def until(condition, within: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
async def test_workers_share_a_port_are_replaced_and_stop_together(tmp_path: Path) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"
    await asyncio.to_thread(upgrade, db_url)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ISPBOT_")},
           "ISPBOT_DATABASE_URL": db_url, "ISPBOT_DATA_DIR": str(tmp_path / "data"), "ISPBOT_SECRET_KEY": "w"}
    port = free_port()
    supervisor = await processes.start_service(env, port, "--workers", "2", log=tmp_path / "w.log")
    try:
        await until(lambda: len(children(supervisor.pid)) == 2)
        first = children(supervisor.pid)
        os.kill(min(first), signal.SIGKILL)
        await until(lambda: len(children(supervisor.pid)) == 2 and children(supervisor.pid) != first)
        await processes.wait_until_up(f"http://127.0.0.1:{port}/healthz", supervisor)
        supervisor.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(supervisor.wait(), timeout=30) == 0
    finally:
        await processes.stop(supervisor, kill=True)
