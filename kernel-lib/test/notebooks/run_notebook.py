"""Run one notebook top to bottom in the tslab kernel and print a JSON summary of every cell.

Usage: .venv/bin/python kernel-lib/test/notebooks/run_notebook.py NOTEBOOK
           [--timeout SECONDS] [--cwd DIR] [--out DIR]

The kernel starts in the notebook's own folder, as in JupyterLab, unless --cwd says otherwise.
Every cell runs even after an error, so one run reports every cell; the executed notebook is
written to --out (a new temporary folder by default). The summary on stdout is one JSON object:

  {"notebook", "executed", "declaredKernel", "kernelDir", "cwd",
   "cells": [{"index", "cellType", "source", "kitelab", "status", "outputs", "text"}]}

status is "ok", "error", "abort", "timeout" or "not-run"; outputs keep text/plain, text/html,
stream text and errors; text is all of them joined, for substring checks.
Exits 0 whenever the summary could be written (cell errors included), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

KERNEL_NAME = "tslab"
# tslab rejects requests for 200 ms after a failed cell (it drops the rest of a "run all"),
# so the next cell waits a little longer than that.
TSLAB_ERROR_COOLDOWN_SECONDS = 0.4
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
KEPT_MIME_TYPES = ("text/plain", "text/html")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # The kernel inherits our stdout; keep it for the JSON summary alone.
    summary_out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    venv_share = Path(sys.prefix) / "share" / "jupyter"
    # JUPYTER_PATH comes before the user's own kernels, so this venv's tslab wins over a global one.
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in [str(venv_share), os.environ.get("JUPYTER_PATH", "")] if p
    )
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    os.environ.setdefault("JUPYTER_RUNTIME_DIR", str(venv_share / "runtime"))

    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    notebook_path = Path(args.notebook).resolve()
    try:
        kernel_dir = KernelSpecManager().get_kernel_spec(KERNEL_NAME).resource_dir
    except NoSuchKernel:
        return fail(
            f"No Jupyter kernel named {KERNEL_NAME!r} in {venv_share}. Run `npm run setup` to register it."
        )
    nb = nbformat.read(notebook_path, as_version=4)
    cwd = Path(args.cwd).resolve() if args.cwd else notebook_path.parent
    out_dir = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="kitelab-notebook-"))
    out_dir.mkdir(parents=True, exist_ok=True)

    statuses: dict[int, str] = {}

    def on_cell_executed(cell, cell_index, execute_reply):  # nbclient calls this with keywords
        statuses[cell_index] = execute_reply["content"]["status"]

    client = NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=args.timeout,
        startup_timeout=args.timeout,
        allow_errors=True,
        resources={"metadata": {"path": str(cwd)}},
        on_cell_executed=on_cell_executed,
    )
    stopped = None
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if stopped:
                statuses[index] = "not-run"
                continue
            try:
                client.execute_cell(cell, index)
                if statuses.get(index) == "abort":
                    # A request that arrived inside tslab's cooldown was dropped: run it again.
                    time.sleep(TSLAB_ERROR_COOLDOWN_SECONDS)
                    cell.outputs = []
                    client.execute_cell(cell, index)
            except CellTimeoutError:
                statuses[index] = "timeout"
                stopped = f"cell {index} ran longer than {args.timeout} s"
            except DeadKernelError:
                statuses[index] = "error"
                stopped = f"the kernel died while running cell {index}"
            if statuses.get(index) != "ok":
                time.sleep(TSLAB_ERROR_COOLDOWN_SECONDS)

    executed = out_dir / notebook_path.name
    nbformat.write(nb, executed)
    summary = {
        "notebook": str(notebook_path),
        "executed": str(executed),
        "declaredKernel": nb.metadata.get("kernelspec", {}).get("name"),
        "kernelDir": kernel_dir,
        "cwd": str(cwd),
        "stopped": stopped,
        "cells": [summarize_cell(index, cell, statuses) for index, cell in enumerate(nb.cells)],
    }
    json.dump(summary, summary_out, indent=1)
    summary_out.write("\n")
    summary_out.flush()
    return 0


def summarize_cell(index: int, cell, statuses: dict[int, str]) -> dict:
    outputs = [summarize_output(o) for o in cell.get("outputs", [])] if cell.cell_type == "code" else []
    return {
        "index": index,
        "cellType": cell.cell_type,
        "source": cell.source,
        "kitelab": cell.metadata.get("kitelab", {}),
        "status": statuses.get(index, "not-run") if cell.cell_type == "code" else None,
        "outputs": outputs,
        "text": "".join(o.get("text", "") for o in outputs),
    }


def summarize_output(output) -> dict:
    kind = output.get("output_type")
    if kind == "stream":
        return {"type": "stream", "name": output.get("name"), "text": output.get("text", "")}
    if kind == "error":
        traceback = ANSI_ESCAPE.sub("", "\n".join(output.get("traceback", [])))
        text = f"{output.get('ename')}: {output.get('evalue')}\n{traceback}"
        return {"type": "error", "ename": output.get("ename"), "evalue": output.get("evalue"), "text": text}
    data = {mime: output.get("data", {}).get(mime) for mime in KEPT_MIME_TYPES if mime in output.get("data", {})}
    text = "".join(value if isinstance(value, str) else "".join(value) for value in data.values())
    return {"type": kind, "data": data, "text": text}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run a notebook in the tslab kernel; print a JSON summary.")
    parser.add_argument("notebook")
    parser.add_argument("--timeout", type=int, default=int(os.environ.get("KITELAB_NOTEBOOK_CELL_TIMEOUT", "120")),
                        help="seconds per cell and for the kernel to start (default 120, or $KITELAB_NOTEBOOK_CELL_TIMEOUT)")
    parser.add_argument("--cwd", help="the kernel's working folder (default: the notebook's folder, as in JupyterLab)")
    parser.add_argument("--out", help="folder for the executed notebook (default: a new temporary folder)")
    return parser.parse_args(argv)


def fail(message: str) -> int:
    print(f"run_notebook: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
