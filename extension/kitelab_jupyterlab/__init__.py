"""Kitelab in JupyterLab: a prebuilt labextension, the `kitelab` jupyter-server-proxy server
(see :mod:`kitelab_jupyterlab.proxy`) and a small server extension that reports whether that
server's process runs without starting it (see :mod:`kitelab_jupyterlab.handlers`)."""

__version__ = "0.1.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "kitelab-jupyterlab"}]


def _jupyter_server_extension_points():
    return [{"module": "kitelab_jupyterlab"}]


def _load_jupyter_server_extension(server_app):
    from .handlers import setup_handlers
    from .shutdown import stop_everything_on_signals

    setup_handlers(server_app.web_app)
    stop_everything_on_signals(server_app)
    server_app.log.info("kitelab_jupyterlab: scheduler process status at %sapi/kitelab/scheduler",
                        server_app.web_app.settings["base_url"])
