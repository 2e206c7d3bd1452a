// Kitelab pages: live run state on the DAG page, a following task log, confirmations.
// Plain browser JavaScript, no build step. Text from the server is inserted with
// textContent only, never as HTML.
"use strict";

const POLL_MS = 1500;

function swapStateClass(element, state) {
  for (const name of [...element.classList]) if (name.startsWith("state-")) element.classList.remove(name);
  element.classList.add(`state-${state}`);
}

function followRun(panel) {
  const url = panel.dataset.liveStatus;
  const indicator = panel.querySelector("[data-live-indicator]");
  if (!url || panel.dataset.finished === "true") return;
  if (indicator) indicator.hidden = false;
  const tick = async () => {
    let status;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      status = await response.json();
    } catch {
      setTimeout(tick, POLL_MS * 2);
      return;
    }
    applyRunStatus(panel, status);
    if (status.finished) {
      if (indicator) indicator.hidden = true;
      panel.dataset.finished = "true";
    } else {
      setTimeout(tick, POLL_MS);
    }
  };
  setTimeout(tick, POLL_MS);
}

function applyRunStatus(panel, status) {
  const runBadge = panel.querySelector("[data-run-state]");
  if (runBadge) {
    swapStateClass(runBadge, status.state);
    runBadge.dataset.runState = status.state;
    runBadge.textContent = status.state_label;
  }
  const duration = panel.querySelector("[data-run-duration]");
  if (duration) duration.textContent = status.duration;
  for (const square of document.querySelectorAll("[data-run-square]")) {
    if (square.dataset.runSquare === status.run_id) swapStateClass(square, status.state);
  }
  const nodes = new Map([...panel.querySelectorAll("svg [data-task-id]")].map((node) => [node.dataset.taskId, node]));
  const rows = new Map([...panel.querySelectorAll("[data-task-row]")].map((row) => [row.dataset.taskRow, row]));
  for (const task of status.tasks) {
    const node = nodes.get(task.task_id);
    if (node && node.dataset.state !== task.state) {
      swapStateClass(node, task.state);
      node.dataset.state = task.state;
      // The drawn legend lists the states at page load; once they change it would mislead.
      for (const legend of panel.querySelectorAll("svg .kl-legend")) legend.setAttribute("display", "none");
    }
    const row = rows.get(task.task_id);
    if (!row) continue;
    const badge = row.querySelector('[data-field="state"]');
    if (badge) {
      swapStateClass(badge, task.state);
      badge.textContent = task.state_label;
    }
    const tryCell = row.querySelector('[data-field="try"]');
    if (tryCell) tryCell.textContent = String(task.try_number);
    const durationCell = row.querySelector('[data-field="duration"]');
    if (durationCell) durationCell.textContent = task.duration;
    const logCell = row.querySelector('[data-field="log"]');
    if (logCell && task.log_href && !logCell.querySelector("a")) {
      const link = document.createElement("a");
      link.href = task.log_href;
      link.textContent = "View log";
      logCell.replaceChildren(link);
    }
  }
}

function followLog(pre) {
  const base = pre.dataset.logFollow;
  if (!base) return;
  const indicator = document.querySelector("[data-live-indicator]");
  const empty = document.querySelector("[data-log-empty]");
  const badge = document.querySelector('[data-field="log-state"]');
  const newer = document.querySelector("[data-newer-try]");
  let offset = Number(pre.dataset.offset || "0");
  const tryNumber = Number(new URL(base, location.href).searchParams.get("try") || "1");
  const tick = async () => {
    let chunk;
    try {
      const url = new URL(base, location.href);
      url.searchParams.set("offset", String(offset));
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      chunk = await response.json();
    } catch {
      setTimeout(tick, POLL_MS * 2);
      return;
    }
    if (chunk.content) {
      const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 24;
      pre.append(document.createTextNode(chunk.content));
      if (empty) empty.hidden = true;
      if (atBottom) pre.scrollTop = pre.scrollHeight;
    }
    offset = chunk.next_offset;
    if (badge) {
      swapStateClass(badge, chunk.state);
      badge.textContent = chunk.state_label;
    }
    if (newer && chunk.latest_try > tryNumber) {
      const url = new URL(location.href);
      url.searchParams.set("try", String(chunk.latest_try));
      newer.href = url.toString();
      newer.hidden = false;
    }
    if (chunk.following || chunk.content) setTimeout(tick, POLL_MS);
    else if (indicator) indicator.hidden = true;
  };
  setTimeout(tick, POLL_MS);
}

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

function workerRow(worker) {
  const row = document.createElement("tr");
  row.dataset.worker = worker.id;
  const name = cell("");
  const strong = document.createElement("strong");
  strong.textContent = worker.hostname;
  const pid = document.createElement("span");
  pid.className = "muted small";
  pid.textContent = ` pid ${worker.pid}`;
  name.append(strong, pid);
  const state = cell("");
  const tag = document.createElement("span");
  tag.className = `tag worker-${worker.state}`;
  tag.textContent = worker.state;
  state.append(tag);
  const running = cell(worker.running.length === 0 ? "idle" : "", worker.running.length === 0 ? "muted" : "");
  for (const attempt of worker.running) {
    const link = document.createElement("a");
    link.href = attempt.href;
    link.textContent = `${attempt.dag_id}.${attempt.task_id}`;
    running.append(link, ` try ${attempt.try_number}`, document.createElement("br"));
  }
  const heartbeat = new Date(worker.last_heartbeat).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  row.append(name, state, cell(worker.queues.join(" ")), cell(String(worker.concurrency), "right"), running,
    cell(String(worker.tasks_done), "right"), cell(String(worker.tasks_failed), "right"), cell(heartbeat, "nowrap small"));
  return row;
}

function followWorkers(panel) {
  const url = panel.dataset.liveWorkers;
  const tick = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      const rows = panel.querySelector("[data-worker-rows]");
      if (data.workers.length > 0) rows.replaceChildren(...data.workers.map(workerRow));
      panel.querySelector("[data-queue-rows]").replaceChildren(...data.queues.map((queue) => {
        const row = document.createElement("tr");
        row.append(cell(queue.name), cell(String(queue.waiting), "right"), cell(String(queue.active), "right"), cell(String(queue.delayed), "right"));
        return row;
      }));
      setTimeout(tick, POLL_MS);
    } catch {
      setTimeout(tick, POLL_MS * 2);
    }
  };
  setTimeout(tick, POLL_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const panel of document.querySelectorAll("[data-live-status]")) followRun(panel);
  for (const panel of document.querySelectorAll("[data-live-workers]")) followWorkers(panel);
  for (const pre of document.querySelectorAll("[data-log-follow]")) followLog(pre);
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  const log = document.querySelector("[data-log]");
  if (log) log.scrollTop = log.scrollHeight;
});
