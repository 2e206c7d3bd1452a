"""Ctrl-C and SIGTERM stop everything the Jupyter server started: its kernels and the scheduler
jupyter-server-proxy runs for the Launcher.

jupyter-server-proxy's process supervisor (simpervisor) installs its own SIGINT/SIGTERM handler
the first time it starts a process. That handler forwards the signal to its processes and calls
``sys.exit(0)`` at once, which skips Jupyter's own shutdown: the kernels, each in a session of its
own (so a Ctrl-C in the terminal does not reach them either), kept running after `npm start` had
stopped. This module has simpervisor install its handler when the server loads, then puts a
handler above it that does both: the supervised processes get the signal, and the server stops
as Jupyter stops on SIGTERM (kernels shut down, extensions cleaned up), without its prompt.
"""

from __future__ import annotations

import signal
import sys
from typing import Any, Callable, Optional

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _noop(_signum: int) -> None:
    pass


def install_supervisor_handler() -> bool:
    """Makes simpervisor install its signal handler now rather than at its first process start,
    so that nothing replaces ours later. False when simpervisor is not installed."""
    try:
        from simpervisor import atexitasync
    except ImportError:
        return False
    atexitasync.add_handler(_noop)
    atexitasync.remove_handler(_noop)
    return True


def stop_handler(forward: Optional[Callable[..., Any]], stop: Callable[[int], None]) -> Callable[[int, Any], None]:
    """A signal handler that calls `forward` (the handler found in place: simpervisor's, which
    signals the supervised processes) without letting it exit the process, then `stop`."""

    def handle(signum: int, frame: Any) -> None:
        if callable(forward):
            try:
                forward(signum, frame)
            except SystemExit:
                pass
        stop(signum)

    return handle


def stop_everything_on_signals(server_app: Any) -> None:
    """Installs the handlers on SIGINT and SIGTERM (POSIX only: simpervisor's Windows handling differs)."""
    if sys.platform == "win32" or not install_supervisor_handler():
        return

    stopping = False

    def stop(signum: int) -> None:
        # A Ctrl-C under `npm start` arrives twice (from the terminal, and passed on by npm's script).
        nonlocal stopping
        if stopping:
            server_app.log.info("received signal %s, already stopping", signum)
            return
        stopping = True
        server_app.log.critical(
            "received signal %s, stopping: kernels and the Kitelab scheduler stop too", signum
        )
        server_app.stop(from_signal=True)

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop_handler(signal.getsignal(signum), stop))
