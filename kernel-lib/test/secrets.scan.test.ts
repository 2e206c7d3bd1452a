// After a run that uses secrets and fails, no secret is in clear anywhere Kitelab writes or
// serves: store files, logs, mails, pages, API answers (plain, upper-case and base64 forms).
// Logs and mails are readable by their owner only.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tempHome } from "./helpers/tempHome.js";
import { standaloneEnv } from "./helpers/standaloneEnv.js";
import { startStandaloneProcess } from "./helpers/standaloneProcess.js";
import { waitFor } from "./helpers/waitFor.js";

const BIN = fileURLToPath(new URL("../bin/kitelab.mjs", import.meta.url));
const run = promisify(execFile);

/** A Variable, a password, a connection extra, a nested extra (an object inside extra). */
const SECRETS = ["tok-very-secret", "pg-pass-123", "extra-key-456", "nested-extra-345"];
/** Given in a run's conf under secret names (one nested): the run file seals them for the task, every output masks them. */
const CONF_SECRETS = ["conf-pass-789", "nested-token-012"];
const formsOf = (secrets: string[]) =>
  secrets.flatMap((secret) => [secret, secret.toUpperCase(), Buffer.from(secret).toString("base64")]);
const FORMS = formsOf([...SECRETS, ...CONF_SECRETS]);

const DAG_SOURCE = `
import { BashOperator, DAG } from "kitelab";
export const dag = new DAG({ dagId: "leaks_out", schedule: null, defaultArgs: { email: "ops@example.com", retries: 0 } });
dag.task("throws", async ({ variables, connections }) => {
  throw new Error("cannot log in with " + connections.get("db")?.password + " or " + variables.get("lab_api_token"));
});
dag.task("returns", async ({ variables }) => ({ upper: variables.get("lab_api_token")!.toUpperCase() }));
dag.task("prints", async ({ log, dagRun, connections }) => {
  log.info("conf", JSON.stringify(dagRun.conf), "extra", JSON.stringify(connections.get("api")?.extra));
  console.log("conf password:", dagRun.conf.db_password, "nested extra:", (connections.get("api")?.extra?.auth as { api_key: string }).api_key);
  if ((dagRun.conf.source as { api_token: string }).api_token !== ["nested", "token", "012"].join("-")) throw new Error("the task must get the real conf");
});
dag.add(new BashOperator({ taskId: "fails", bashCommand: "echo {{ var.value.lab_api_token }}; exit 3" }));
`;

function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true }) as string[]).map((name) => join(root, name));
}

describe("secrets after a failed run that used them", () => {
  const home = tempHome("kitelab-secrets-");
  after(() => home.cleanup());

  it("are nowhere in clear: files, logs, mails, pages, API; logs and mails are private", async () => {
    home.writeDag("leaks_out.ts", DAG_SOURCE);
    const env = standaloneEnv(home.home);
    await run(process.execPath, [BIN, "variables", "set", "lab_api_token", "tok-very-secret"], { env });
    await run(
      process.execPath,
      [
        BIN,
        "connections",
        "add",
        "db",
        "--conn-uri",
        "postgres://app:pg-pass-123@db.internal:5432/sales?api_key=extra-key-456&sslmode=require",
      ],
      { env },
    );
    await run(
      process.execPath,
      [
        BIN,
        "connections",
        "add",
        "api",
        "--conn-type",
        "http",
        "--conn-extra",
        JSON.stringify({ auth: { api_key: "nested-extra-345", user: "etl" } }),
      ],
      { env },
    );
    const standalone = await startStandaloneProcess(home.home);
    const outputs: Array<[string, string]> = [];
    try {
      const auth = { authorization: `Bearer ${standalone.token}`, "content-type": "application/json" };
      const get = async (path: string) => {
        const text = await (await fetch(`${standalone.url}${path}`, { headers: auth })).text();
        outputs.push([`GET /${path}`, text]);
        return text;
      };
      await waitFor("the DAG to be listed", async () => JSON.parse(await get("api/v1/dags/leaks_out")).dag_id);
      await fetch(`${standalone.url}api/v1/dags/leaks_out/dagRuns`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({
          dag_run_id: "manual__scan",
          conf: { db_password: "conf-pass-789", source: { api_token: "nested-token-012", region: "eu" } },
        }),
      });
      await waitFor(
        "the run to fail",
        async () => JSON.parse(await get("api/v1/dags/leaks_out/dagRuns/manual__scan")).state === "failed",
      );
      // The run may count as failed before every task ended: the log scanned below must be whole.
      await waitFor("the task that prints conf and extras to succeed", async () => {
        const body = JSON.parse(await get("api/v1/dags/leaks_out/dagRuns/manual__scan/taskInstances/prints"));
        assert.notEqual(body.state, "failed", "the task got the real conf and extras, though every output masks them");
        return body.state === "success" ? true : undefined;
      });
      await waitFor("the failure mails", () =>
        filesUnder(join(home.home, "outbox")).some((path) => path.endsWith(".eml")),
      );
      for (const path of [
        "",
        "dags",
        "dags/leaks_out",
        "dags/leaks_out?run_id=manual__scan",
        "failure",
        "outbox",
        "api/v1/dags/leaks_out/dagRuns",
        "api/v1/dags/leaks_out/dagRuns/manual__scan/taskInstances",
        "api/v1/connections",
        "api/v1/connections/db",
        "api/v1/variables",
        "api/v1/importErrors",
      ])
        await get(path);
      for (const taskId of ["throws", "returns", "fails", "prints"]) {
        await get(`api/v1/dags/leaks_out/dagRuns/manual__scan/taskInstances/${taskId}/xcomEntries`);
        await get(`api/v1/dags/leaks_out/dagRuns/manual__scan/taskInstances/${taskId}/logs/1`);
      }
    } finally {
      await standalone.stop();
    }
    for (const args of [["connections", "list"], ["connections", "get", "db"], ["variables", "list"], ["info"]])
      outputs.push([`kitelab ${args.join(" ")}`, (await run(process.execPath, [BIN, ...args], { env })).stdout]);
    for (const path of filesUnder(home.home).filter((file) => statSync(file).isFile()))
      outputs.push([relative(home.home, path), readFileSync(path, "latin1")]);

    const found = outputs.flatMap(([where, text]) =>
      FORMS.filter((form) => text.includes(form)).map((form) => `${form} in ${where}`),
    );
    process.stdout.write(
      `# secrets found in clear: ${found.length} (${FORMS.length} forms of ${SECRETS.length + CONF_SECRETS.length} secrets over ${outputs.length} outputs: files, mails, pages, API answers, CLI)\n`,
    );
    assert.deepEqual(found, []);

    const loose = ["logs", "outbox"].flatMap((folder) =>
      filesUnder(join(home.home, folder))
        .concat(join(home.home, folder))
        .filter((path) => (statSync(path).mode & 0o077) !== 0)
        .map((path) => `${relative(home.home, path)} ${(statSync(path).mode & 0o777).toString(8)}`),
    );
    assert.deepEqual(loose, [], "logs and mails: folders 0700, files 0600");
  });
});
