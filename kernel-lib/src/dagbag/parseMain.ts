/**
 * The entry point of a DAG-parsing child process. User code runs here at import time, so
 * a file that hangs or exits only costs this process; the parent enforces the timeout.
 */
import { applyConfiguredTaskDefaultsFromEnv } from "../dag/taskOptions.js";
import { serializeDag } from "../dag/serialize.js";
import { describeImportError, importDagFile } from "./importFile.js";
import { ensureTypeScriptLoader } from "../loader/typescript.js";
import type { ParseReply, ParseRequest, ParseResult } from "./parseProtocol.js";
import { MEMORY_EXCEEDED_EXIT_CODE, memoryLimitFromEnv, overMemoryLimit, watchMemory } from "../util/memoryCap.js";

applyConfiguredTaskDefaultsFromEnv();

// When the parent dies (even by SIGKILL), the IPC channel closes: a child never outlives it.
process.on("disconnect", () => process.exit(1));

function reply(message: ParseReply): void {
  process.send?.(message);
}

async function parse(file: string): Promise<ParseResult> {
  const imported = await importDagFile(file);
  if (!imported.ok) return { ok: false, error: imported.error };
  try {
    return { ok: true, dags: imported.dags.map((dag) => serializeDag(dag, file)), warnings: imported.warnings };
  } catch (error) {
    return { ok: false, error: describeImportError(error, file) };
  }
}

// Over the cap (heap and Buffers), the process ends itself; the parent names the cause.
const memoryLimitMb = memoryLimitFromEnv();
watchMemory(memoryLimitMb, () => process.exit(MEMORY_EXCEEDED_EXIT_CODE));

process.on("message", (message: ParseRequest) => {
  if (message?.type !== "parse") return;
  void parse(message.file).then((result) => {
    // A file that took its memory in one go, between two checks, is caught here.
    if (overMemoryLimit(memoryLimitMb)) process.exit(MEMORY_EXCEEDED_EXIT_CODE);
    reply({ type: "parsed", file: message.file, result });
  });
});

// Stray async errors of a DAG file must not take the parser down silently.
process.on("unhandledRejection", () => {});
// The library and the TypeScript loader load before "ready": the import timeout is the DAG file's own time.
void ensureTypeScriptLoader().then(() => reply({ type: "ready" }));
