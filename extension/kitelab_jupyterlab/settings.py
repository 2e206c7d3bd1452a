"""Where the Kitelab home is and which API token the scheduler expects, read the way the
`kitelab` CLI reads them (kernel-lib/src/config): environment first, then airflow.cfg, then
the token file the scheduler writes on its first start."""

from __future__ import annotations

import configparser
import os
from pathlib import Path
from typing import Mapping, Optional

TOKEN_FILE_NAME = "api_token"
CONFIG_FILE_NAME = "airflow.cfg"


def kitelab_home(env: Mapping[str, str] = os.environ) -> Path:
    """`$KITELAB_HOME` (`~` expanded, relative paths taken from the current directory), else `~/kitelab`."""
    value = (env.get("KITELAB_HOME") or "").strip()
    user_home = Path(env.get("HOME") or Path.home())
    if not value:
        return user_home / "kitelab"
    if value == "~" or value.startswith("~/"):
        return user_home / value[2:] if value != "~" else user_home
    return Path(value).resolve()


def config_path(env: Mapping[str, str] = os.environ) -> Path:
    """`$KITELAB_CONFIG`, else the home's airflow.cfg."""
    explicit = (env.get("KITELAB_CONFIG") or "").strip()
    return Path(explicit).expanduser() if explicit else kitelab_home(env) / CONFIG_FILE_NAME


def _configured_token(env: Mapping[str, str]) -> Optional[str]:
    for name in ("KITELAB__WEBSERVER__AUTH_TOKEN", "AIRFLOW__WEBSERVER__AUTH_TOKEN"):
        if env.get(name, "").strip():
            return env[name].strip()
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read(config_path(env), encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    for section in parser.sections():
        if section.lower() == "webserver" and parser.has_option(section, "auth_token"):
            token = parser.get(section, "auth_token").replace("%%", "%").strip()
            return token or None
    return None


def read_api_token(env: Mapping[str, str] = os.environ) -> Optional[str]:
    """The token the scheduler's API expects, or None when there is none yet (the scheduler
    writes `api_token` on its first start, so this is read again for every request)."""
    configured = _configured_token(env)
    if configured:
        return configured
    try:
        token = (kitelab_home(env) / TOKEN_FILE_NAME).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return token or None
