/**
 * Lab 4's requirements, checked by `kitelab check lab4` and by `await check("lab4")` in
 * notebooks/04-database-master-dag.ipynb: the student's api/server.ts is started on a free
 * loopback port over the models lab4_train saved, and asked what the exercises add.
 */
import { existsSync, readdirSync } from "node:fs";
import { stat } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import type { CheckContext, CheckOutcome, LabCheck } from "kitelab";

export const lab = "lab4";

const GENTOO = {
  island: "Biscoe",
  sex: "male",
  bill_length_mm: 48,
  bill_depth_mm: 15,
  flipper_length_mm: 220,
  body_mass_g: 5400,
};

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** Runs `ask` against the student's API, listening on a free loopback port, then closes it. */
async function withApi(
  ctx: CheckContext,
  ask: (call: (method: string, path: string, body?: unknown) => Promise<Answer>) => Promise<CheckOutcome>,
): Promise<CheckOutcome> {
  const modelsDir = ctx.workPath("lab4", "models");
  if (!existsSync(modelsDir) || !readdirSync(modelsDir).some((name) => name.endsWith(".json")))
    return { passed: false, detail: `no saved model in ${modelsDir}: run lab4_master first` };
  const file = ctx.labPath("api", "server.ts");
  const module = (await import(`${pathToFileURL(file).href}?v=${(await stat(file)).mtimeMs}`)) as {
    createInferenceApp?: (modelsDir: string) => { listen(port: number, host: string): import("node:http").Server };
  };
  if (typeof module.createInferenceApp !== "function")
    return { passed: false, detail: `${file} no longer exports createInferenceApp(modelsDir)` };
  const server = module.createInferenceApp(modelsDir).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    return await ask(async (method, path, body) => {
      const response = await fetch(`${base}${path}`, {
        method,
        ...(body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = { text };
      }
      return { status: response.status, body: parsed };
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const shown = (answer: Answer) => `HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`;

export const checks: LabCheck[] = [
  {
    id: "predict_by_path",
    title: "Exercise 1: POST /predict/decision_tree with a penguin as the body answers its species and probabilities",
    hint: 'Add app.post("/predict/:modelName", ...) in api/server.ts: load the model named req.params.modelName and answer predictPenguin(saved, req.body)',
    run: (ctx) =>
      withApi(ctx, async (call) => {
        const answer = await call("POST", "/predict/decision_tree", GENTOO);
        const probabilities = answer.body.probabilities as Record<string, number> | undefined;
        const total = probabilities ? Object.values(probabilities).reduce((a, b) => a + b, 0) : 0;
        return answer.status === 200 && answer.body.species === "Gentoo" && Math.abs(total - 1) < 0.01
          ? { passed: true }
          : { passed: false, detail: shown(answer) };
      }),
  },
  {
    id: "predict_by_path_unknown_model",
    title: "Exercise 1: POST /predict/{model_name} with a model that does not exist answers 404 and says where to look",
    hint: "Load the model with loadModel(modelsDir, req.params.modelName): it answers 404 naming GET /models",
    run: (ctx) =>
      withApi(ctx, async (call) => {
        const answer = await call("POST", "/predict/random_forest", GENTOO);
        return answer.status === 404 && /GET \/models/.test(String(answer.body.error))
          ? { passed: true }
          : { passed: false, detail: shown(answer) };
      }),
  },
  {
    id: "model_card",
    title: "Exercise 2: GET /models/logistic_regression answers that model's name, kind, test accuracy and features",
    hint: 'Add app.get("/models/:modelName", ...) in api/server.ts: answer modelSummary(saved) with saved.features',
    run: (ctx) =>
      withApi(ctx, async (call) => {
        const answer = await call("GET", "/models/logistic_regression");
        const { name, kind, testAccuracy, features } = answer.body;
        return answer.status === 200 &&
          name === "logistic_regression" &&
          kind === "LogisticRegression" &&
          typeof testAccuracy === "number" &&
          Array.isArray(features)
          ? { passed: true }
          : { passed: false, detail: shown(answer) };
      }),
  },
];
