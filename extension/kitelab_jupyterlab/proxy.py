"""The `kitelab` server of jupyter-server-proxy (entry point `jupyter_serverproxy_servers`).

The first request to `<base_url>kitelab/` starts `kitelab standalone` on a free port; every
request, from the student's browser only (Jupyter's own authentication comes first), is
forwarded with the scheduler's API token added, so nobody copies a token by hand.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from . import launches
from .settings import kitelab_home, read_api_token

PROXY_NAME = "kitelab"
TOKEN_HEADER = "X-Kitelab-Token"
# Compiling DAG files on a cold start of Node and tsx can take a while on a small laptop.
START_TIMEOUT_SECONDS = 120.0


def kitelab_executable(env: Mapping[str, str] = os.environ, python_bin: Optional[Path] = None) -> List[str]:
    """How to run the `kitelab` CLI: `$KITELAB_COMMAND` (a shell-quoted command, e.g. a fake
    backend in tests), else `kitelab` on PATH, else the one beside this Python (`.venv/bin`),
    else the checkout named by `$KITELAB_REPO`."""
    override = (env.get("KITELAB_COMMAND") or "").strip()
    if override:
        return shlex.split(override)
    found = shutil.which("kitelab", path=env.get("PATH"))
    if found:
        return [found]
    beside = (python_bin or Path(sys.executable).parent) / "kitelab"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    repo = (env.get("KITELAB_REPO") or "").strip()
    if repo:
        script = Path(repo) / "kernel-lib" / "bin" / "kitelab.mjs"
        if script.is_file():
            return [shutil.which("node", path=env.get("PATH")) or "node", str(script)]
    raise FileNotFoundError(
        "Cannot find the `kitelab` command: put it on PATH (run `npm run setup` in the Kitelab "
        "checkout, which writes .venv/bin/kitelab), or set KITELAB_REPO to the checkout, "
        "or KITELAB_COMMAND to the command to run."
    )


def standalone_command(port: int, base_url: str, env: Mapping[str, str] = os.environ) -> List[str]:
    """`kitelab standalone` listening on 127.0.0.1:`port` under `<base_url>kitelab/`. A
    scheduler that a notebook cell started for the same home is stopped first, so the
    Launcher's card works whichever the student started first."""
    launches.record_launch(port)
    return [
        *kitelab_executable(env),
        "standalone",
        "--port", str(port),
        "--host", "127.0.0.1",
        "--base-url", f"{base_url.rstrip('/')}/{PROXY_NAME}/",
        "--take-over-notebook-scheduler",
    ]


def request_headers(env: Mapping[str, str] = os.environ) -> Dict[str, str]:
    """Headers added to every proxied request: the API token, under the name agreed with the
    server and as a Bearer token (which also replaces Jupyter's own `Authorization: token ...`)."""
    token = read_api_token(env)
    if token is None:
        return {}
    return {TOKEN_HEADER: token, "Authorization": f"Bearer {token}"}


def setup_kitelab() -> Dict[str, object]:
    """The server process description jupyter-server-proxy reads from our entry point."""
    home = str(kitelab_home())

    def command(port: int, base_url: str) -> List[str]:
        return standalone_command(port, base_url)

    def headers() -> Dict[str, str]:
        return request_headers()

    return {
        "command": command,
        "environment": {"KITELAB_HOME": home},
        "timeout": START_TIMEOUT_SECONDS,
        "absolute_url": True,
        "request_headers_override": headers,
        "new_browser_tab": False,
        # Our own Launcher card (category "Kitelab") replaces the generic one.
        "launcher_entry": {"enabled": False, "title": "Kitelab Scheduler"},
        # The status bar polls every few seconds: that must not keep an idle server alive.
        "update_last_activity": False,
    }

