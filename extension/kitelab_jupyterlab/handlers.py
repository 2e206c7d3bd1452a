"""`GET <base_url>api/kitelab/scheduler`: whether the `kitelab` process runs, answered without
going through the proxy, so the status bar can poll it without starting the scheduler."""

from __future__ import annotations

import json
import time

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from . import launches
from .proxy import PROXY_NAME, START_TIMEOUT_SECONDS


class SchedulerProcessHandler(APIHandler):
    @web.authenticated
    async def get(self):
        launch = launches.last_launch()
        listening = launch is not None and await launches.is_listening(launch.port)
        state = launches.process_state(launch, listening, time.time(), START_TIMEOUT_SECONDS)
        self.finish(json.dumps({
            "name": PROXY_NAME,
            "state": state,
            "started_at": None if launch is None else launch.started_at,
        }))


def setup_handlers(web_app) -> None:
    base_url = web_app.settings["base_url"]
    route = url_path_join(base_url, "api", "kitelab", "scheduler")
    web_app.add_handlers(".*$", [(route, SchedulerProcessHandler)])
