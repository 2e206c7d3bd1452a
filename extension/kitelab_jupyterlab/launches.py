"""What this Jupyter server knows about the `kitelab` process jupyter-server-proxy started:
the port it was given and when. jupyter-server-proxy keeps its process to itself, so the command
factory records each launch here and the status handler probes the port, never the proxy
(a request through the proxy would start the scheduler)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Callable, Optional


@dataclass(frozen=True)
class Launch:
    port: int
    started_at: float


_last_launch: Optional[Launch] = None


def record_launch(port: int, now: Callable[[], float] = time.time) -> None:
    global _last_launch
    _last_launch = Launch(port=port, started_at=now())


def last_launch() -> Optional[Launch]:
    return _last_launch


def forget_launch() -> None:
    global _last_launch
    _last_launch = None


def process_state(launch: Optional[Launch], listening: bool, now: float, start_timeout: float) -> str:
    """`not-started`, `starting` (launched, not listening yet, within the start timeout),
    `running` (listening) or `exited` (launched, not listening after the timeout)."""
    if launch is None:
        return "not-started"
    if listening:
        return "running"
    return "starting" if now - launch.started_at < start_timeout else "exited"


async def is_listening(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, asyncio.TimeoutError):
        return False
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass
    return True
