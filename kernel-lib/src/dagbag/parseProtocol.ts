import type { SerializedDag } from "../dag/serialize.js";
import type { ImportProblem } from "./importFile.js";

/** The messages between the DAG processor and its parsing child. */
export type ParseRequest = { type: "parse"; file: string };

export type ParseResult = { ok: true; dags: SerializedDag[]; warnings: string[] } | { ok: false; error: ImportProblem };

export type ParseReply = { type: "ready" } | { type: "parsed"; file: string; result: ParseResult };
