"""`ispbot serve --workers N`: N service processes sharing one port (SO_REUSEPORT, so the
kernel spreads connections over them), watched by this small supervisor.

The supervisor migrates once, starts the workers (`ispbot serve --no-migrate --reuse-port`),
passes SIGTERM/SIGINT on to them and starts a new worker when one dies. Everything the
workers share lives in the database: per-phone order (the conversation row lock), the
outbox (FOR UPDATE SKIP LOCKED), the scheduler lease and the staff sessions; so it is
meant for PostgreSQL (SQLite works, its writers simply take turns on the file).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from types import FrameType

log = logging.getLogger(__name__)

RESTART_PAUSE = 1.0  # seconds before a dead worker is replaced


def worker_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "ispbot.cli", "serve", "--no-migrate", "--reuse-port",
            "--host", host, "--port", str(port)]


def supervise(host: str, port: int, count: int) -> int:
    """Run `count` workers until SIGTERM/SIGINT; returns the exit code."""
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)

    workers = [subprocess.Popen(worker_command(host, port)) for _ in range(count)]  # noqa: S603
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    print(f"  workers:      {count} processes (pids {', '.join(str(w.pid) for w in workers)})")
    try:
        while not stopping:
            time.sleep(0.5)
            for index, process in enumerate(workers):
                if process.poll() is not None and not stopping:
                    log.warning("worker %s exited with %s; starting another", process.pid, process.returncode)
                    time.sleep(RESTART_PAUSE)
                    workers[index] = subprocess.Popen(worker_command(host, port))  # noqa: S603
        for process in workers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
