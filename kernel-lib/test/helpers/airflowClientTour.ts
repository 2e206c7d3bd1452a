import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project's virtualenv, where `npm run setup` installs Airflow's Python clients. */
export const VENV_PYTHON = join(fileURLToPath(new URL("../../../", import.meta.url)), ".venv", "bin", "python");
/** The folder Airflow 3's client is installed into, apart from Airflow 2's (same import name). */
export const AIRFLOW3_CLIENT = join(fileURLToPath(new URL("../../../", import.meta.url)), ".venv", "airflow3-client");

/** One call of a driver's tour of the API, as `test/fixtures/airflow-client/tour.py` reports it. */
export interface TourCall {
  name: string;
  ok: boolean;
  error?: string;
}

/** The environment that makes the venv's Python import Airflow 3's client instead of Airflow 2's. */
export const AIRFLOW3_ENV: NodeJS.ProcessEnv = { PYTHONPATH: AIRFLOW3_CLIENT, PYTHONNOUSERSITE: "1" };

/** Runs a Python script of `test/fixtures/airflow-client` with the venv's Python; answers its exit and output. */
export function runPython(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(VENV_PYTHON, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A driver script of `test/fixtures/airflow-client`. */
export function driverScript(name: string): string {
  return fileURLToPath(new URL(`../fixtures/airflow-client/${name}`, import.meta.url));
}

/** Each failed call of a tour, with its error, for an assertion's message. */
export function failuresOf(calls: readonly TourCall[]): string[] {
  return calls.filter((call) => !call.ok).map((call) => `${call.name}: ${call.error}`);
}

/** The number of DAGs `GET {url}/dags` lists, read with the API token. */
export async function listedDags(url: string, token: string): Promise<number> {
  const response = await fetch(`${url}/dags`, { headers: { authorization: `Bearer ${token}` } });
  return ((await response.json()) as { total_entries: number }).total_entries;
}

/** Runs a driver's tour (`drive_v1.py`...) with `args`; the script must exit 0. Answers its calls. */
export async function tourOf(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<TourCall[]> {
  const result = await runPython([driverScript(script), ...args], env);
  assert.equal(result.code, 0, `the client script failed:\n${result.stderr}`);
  return (JSON.parse(result.stdout) as { calls: TourCall[] }).calls;
}
