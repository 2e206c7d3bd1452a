"""Run one notebook in the tslab kernel as JupyterLab's Run All does; print a JSON summary.

Usage: .venv/bin/python kernel-lib/test/notebooks/run_notebook.py NOTEBOOK
           [--timeout SECONDS] [--cwd DIR] [--out DIR] [--copy-before CELL FROM TO]

Every code cell is sent at once, back to back, before any reply arrives, exactly as
JupyterLab's Run > Run All Cells does: each execute_request carries `stop_on_error: false`
when the cell is tagged `raises-exception`, and true otherwise, so an untagged error aborts the
cells after it as it would for a student. Blank cells are not sent (JupyterLab skips them).
The kernel starts in the notebook's own folder, as in JupyterLab, unless --cwd says otherwise.
--copy-before CELL FROM TO plays a student who fixes a file between two Run Alls: the cells
before CELL are sent back to back and run to the end (every reply and idle status in), then
the folder FROM is copied over the folder TO, then the cells from CELL on are sent back to back.
The executed notebook is written to --out (a new temporary folder by default). The summary on
stdout is one JSON object:

  {"notebook", "executed", "declaredKernel", "kernelDir", "cwd", "stopped",
   "cells": [{"index", "cellType", "source", "kitelab", "status", "outputs", "text"}]}

status is "ok", "error", "abort" (the kernel dropped it after an earlier error), "timeout"
or "not-run"; outputs keep text/plain, text/html, stream text and errors; text is all of them
joined, for substring checks. "timeout" means no reply came within --timeout seconds of the
previous cell's reply (cells run one after the other in the kernel).
Exits 0 whenever the summary could be written (cell errors included), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

KERNEL_NAME = "tslab"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
KEPT_MIME_TYPES = ("text/plain", "text/html")
OUTPUT_MESSAGES = ("stream", "display_data", "execute_result", "error")


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
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_client.manager import KernelManager

    notebook_path = Path(args.notebook).resolve()
    nb = nbformat.read(notebook_path, as_version=4)
    cwd = Path(args.cwd).resolve() if args.cwd else notebook_path.parent
    out_dir = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="kitelab-notebook-"))
    out_dir.mkdir(parents=True, exist_ok=True)

    manager = KernelManager(kernel_name=KERNEL_NAME)
    try:
        kernel_dir = manager.kernel_spec.resource_dir
    except NoSuchKernel:
        return fail(f"No Jupyter kernel named {KERNEL_NAME!r} in {venv_share}. Run `npm run setup` to register it.")
    manager.start_kernel(cwd=str(cwd))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=args.timeout)
        if args.copy_before is None:
            statuses, stopped = run_all(client, nb, args.timeout)
        else:
            cell, source, target = args.copy_before
            statuses, stopped = run_all(client, nb, args.timeout, lambda index: index < int(cell))
            if stopped is None:
                shutil.copytree(source, target, dirs_exist_ok=True)
                later, stopped = run_all(client, nb, args.timeout, lambda index: index >= int(cell))
                statuses.update(later)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)

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


def run_all(client, nb, timeout: float, sends=lambda index: True) -> tuple[dict[int, str], str | None]:
    """Sends every code cell (that `sends` accepts) at once and records each one's outputs and reply status."""
    from nbformat.v4 import output_from_msg

    statuses: dict[int, str] = {}
    cell_of: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not sends(index):
            continue
        cell.outputs = []
        cell.execution_count = None
        if not cell.source.strip():
            statuses[index] = "ok"
            continue
        raises = "raises-exception" in cell.metadata.get("tags", [])
        cell_of[client.execute(cell.source, stop_on_error=not raises)] = index

    waiting_reply = set(cell_of)
    waiting_idle = set(cell_of)
    displays: dict[str, list] = {}
    last_progress = time.monotonic()
    while waiting_reply or waiting_idle:
        if time.monotonic() - last_progress > timeout:
            late = min(cell_of[msg_id] for msg_id in waiting_reply | waiting_idle)
            statuses[late] = "timeout"
            for msg_id in waiting_reply:
                statuses.setdefault(cell_of[msg_id], "not-run")
            return statuses, f"cell {late} ran longer than {timeout} s"
        try:
            reply = client.get_shell_msg(timeout=0.05)
        except queue.Empty:
            pass
        else:
            msg_id = reply["parent_header"].get("msg_id")
            if msg_id in waiting_reply:
                waiting_reply.discard(msg_id)
                last_progress = time.monotonic()
                cell = nb.cells[cell_of[msg_id]]
                statuses[cell_of[msg_id]] = reply["content"].get("status", "error")
                cell.execution_count = reply["content"].get("execution_count")
        while True:
            try:
                msg = client.get_iopub_msg(timeout=0.05)
            except queue.Empty:
                break
            msg_id = msg["parent_header"].get("msg_id")
            if msg_id not in cell_of:
                continue
            kind = msg["header"]["msg_type"]
            content = msg["content"]
            cell = nb.cells[cell_of[msg_id]]
            if kind == "status" and content.get("execution_state") == "idle":
                waiting_idle.discard(msg_id)
            elif kind == "clear_output":
                cell.outputs = []
            elif kind == "update_display_data":
                for output in displays.get(content.get("transient", {}).get("display_id"), []):
                    output.data = content.get("data", {})
                    output.metadata = content.get("metadata", {})
            elif kind in OUTPUT_MESSAGES:
                output = output_from_msg(msg)
                cell.outputs.append(output)
                display_id = content.get("transient", {}).get("display_id")
                if display_id:
                    displays.setdefault(display_id, []).append(output)
    return statuses, None


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
    parser.add_argument("--copy-before", nargs=3, metavar=("CELL", "FROM", "TO"),
                        help="run the cells before CELL, copy the folder FROM over TO, then run the rest")
    return parser.parse_args(argv)


def fail(message: str) -> int:
    print(f"run_notebook: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
