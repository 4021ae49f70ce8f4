"""Child processes: the product (`ispbot serve`) and the baseline app, each started with
`python -m …`, waited for on a URL, and measured through /proc (resident memory)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx

Process = asyncio.subprocess.Process


async def wait_until_up(url: str, process: Process, within: float = 30.0) -> None:
    """Poll `url` until it answers 200; raise if the process exits or `within` seconds pass."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    async with httpx.AsyncClient(timeout=2) as client:
        while loop.time() < deadline:
            if process.returncode is not None:
                raise RuntimeError(f"{url}: the process exited with {process.returncode}")
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{url} did not come up within {within:.0f} s")


async def start_service(
    env: dict[str, str], port: int, *extra: str, log: Path | None = None, within: float = 30.0
) -> Process:
    """`ispbot serve --no-migrate` on 127.0.0.1:`port` (the database is migrated already)."""
    return await _start(
        ["-m", "ispbot.cli", "serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(port), *extra],
        env, f"http://127.0.0.1:{port}/healthz", log, within,
    )


async def start_baseline(gateway_url: str, port: int, log: Path | None = None) -> Process:
    return await _start(
        ["-m", "ispbot.bench.baseline", "--port", str(port), "--gateway", gateway_url],
        dict(os.environ), f"http://127.0.0.1:{port}/healthz", log, 30.0,
    )


async def _start(args: Sequence[str], env: dict[str, str], health: str, log: Path | None, within: float) -> Process:
    out = log.open("ab") if log else asyncio.subprocess.DEVNULL
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *args, env=env, stdout=out, stderr=out, start_new_session=True,
        )
    finally:
        if log:
            out.close()  # type: ignore[union-attr]
    await wait_until_up(health, process, within)
    return process


async def stop(process: Process, *, kill: bool = False) -> None:
    """SIGTERM (or SIGKILL) the process and its children, then reap it."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


def memory_kib(pid: int) -> tuple[int, int] | None:
    """(resident now, resident peak) in KiB, from /proc; None where there is no /proc."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    values = {k: v for k, _, v in (line.partition(":") for line in lines)}
    try:
        return int(values["VmRSS"].split()[0]), int(values["VmHWM"].split()[0])
    except (KeyError, ValueError, IndexError):
        return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU the process has used so far, from /proc; None where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
