import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CommandRegistry } from "@lumino/commands";
import { CommandIDs, type IKitelabActions, PALETTE_COMMANDS, registerCommands } from "../../src/commands.js";

type Options = CommandRegistry.ICommandOptions;

/** Records what registerCommands adds, as JupyterLab's CommandRegistry would hold it. */
function fakeRegistry() {
  const added = new Map<string, Options>();
  const registry = {
    addCommand(id: string, options: Options) {
      assert.ok(!added.has(id), `command ${id} registered twice`);
      added.set(id, options);
      return { isDisposed: false, dispose: () => added.delete(id) };
    },
  };
  return { registry, added };
}

function recordingActions() {
  const calls: string[] = [];
  const actions: IKitelabActions = {
    openScheduler: async () => void calls.push("openScheduler"),
    openStatus: async () => void calls.push("openStatus"),
    triggerDag: async (dagId) => void calls.push(`triggerDag:${dagId ?? "?"}`),
    togglePause: async (dagId) => void calls.push(`togglePause:${dagId}`),
    refresh: async () => void calls.push("refresh"),
    restartScheduler: async () => void calls.push("restartScheduler"),
  };
  return { actions, calls };
}

const icon = {} as never;
const icons = { scheduler: icon, status: icon, trigger: icon, refresh: icon };

function label(options: Options | undefined, args: Record<string, unknown> = {}): string {
  const value = options?.label;
  return typeof value === "function" ? value(args as never) : String(value);
}

describe("registerCommands (what plugin activation adds)", () => {
  it("registers every command id, with the kitelab: prefix", () => {
    const { registry, added } = fakeRegistry();
    registerCommands(registry, recordingActions().actions, icons);
    assert.deepEqual([...added.keys()].sort(), Object.values(CommandIDs).sort());
    assert.deepEqual(CommandIDs.openScheduler, "kitelab:open-scheduler");
    for (const id of PALETTE_COMMANDS) {
      assert.ok(added.has(id), `${id} is in the palette but not registered`);
    }
  });

  it("labels the Launcher cards as things and the palette's items as actions", () => {
    const { registry, added } = fakeRegistry();
    registerCommands(registry, recordingActions().actions, icons);
    assert.equal(label(added.get(CommandIDs.openScheduler), { launcher: true }), "Kitelab Scheduler");
    assert.equal(label(added.get(CommandIDs.openStatus), { launcher: true }), "Kitelab Status");
    assert.equal(label(added.get(CommandIDs.openScheduler)), "Open Kitelab Scheduler");
    assert.equal(label(added.get(CommandIDs.triggerDag)), "Trigger a Kitelab DAG…");
    assert.equal(label(added.get(CommandIDs.triggerDag), { dagId: "etl" }), "Trigger etl");
  });

  it("runs the matching action, passing the DAG id when one is given", async () => {
    const { registry, added } = fakeRegistry();
    const { actions, calls } = recordingActions();
    registerCommands(registry, actions, icons);
    await added.get(CommandIDs.openScheduler)?.execute({});
    await added.get(CommandIDs.triggerDag)?.execute({});
    await added.get(CommandIDs.triggerDag)?.execute({ dagId: "etl" });
    await added.get(CommandIDs.togglePause)?.execute({ dagId: "etl" });
    await added.get(CommandIDs.refresh)?.execute({});
    assert.deepEqual(calls, ["openScheduler", "triggerDag:?", "triggerDag:etl", "togglePause:etl", "refresh"]);
  });

  it("returns disposables that remove the commands again", () => {
    const { registry, added } = fakeRegistry();
    const disposables = registerCommands(registry, recordingActions().actions, icons);
    disposables.forEach((d) => d.dispose());
    assert.equal(added.size, 0);
  });
});
