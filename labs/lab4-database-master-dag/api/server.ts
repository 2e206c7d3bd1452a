/**
 * Lab 4's inference API: lists the models the lab4_train DAG saved and predicts the
 * species of a penguin with the model the caller names.
 *   GET  /models                                   -> [{ name, kind, library, testAccuracy, trainedAt }]
 *   POST /predict { model, penguin: { island, sex, bill_length_mm, ... } } -> { species, probabilities }
 *   POST /predict/{model_name} { island, sex, ... }  -> the same answer    (Exercise 1)
 *   GET  /models/{model_name}                       -> one model's card   (Exercise 2)
 * Run: node --import tsx labs/lab4-database-master-dag/api/server.ts   (PORT, default 8085)
 */
import { readdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import { loadClassifier, type Classifier, type TrainedClassifier } from "../lib/models.js";
import { encodePenguin, penguinProblem, type RawPenguin, type ScalerStats } from "../lib/penguinFeatures.js";

interface SavedModel extends TrainedClassifier {
  name: string;
  features: string[];
  scaler: ScalerStats;
  testAccuracy: number;
  trainedAt: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MODEL_NAME = /^[A-Za-z0-9_-]+$/;

async function loadModel(modelsDir: string, name: unknown): Promise<SavedModel> {
  if (typeof name !== "string" || !MODEL_NAME.test(name)) {
    throw new HttpError(
      400,
      `Expected \`model\` to be a model name such as "decision_tree" (see GET /models), got ${JSON.stringify(name) ?? "nothing"}`,
    );
  }
  try {
    return JSON.parse(await readFile(join(modelsDir, `${name}.json`), "utf8")) as SavedModel;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new HttpError(404, `No model "${name}" in ${modelsDir}; GET /models lists them`);
    throw error;
  }
}

function classifierOf(saved: SavedModel): Classifier {
  try {
    return loadClassifier(saved);
  } catch (error) {
    throw new HttpError(500, `Model "${saved.name}" cannot be loaded: ${(error as Error).message}`);
  }
}

/** The model's answer for one raw penguin: its species and the probability of each species. */
function predictPenguin(saved: SavedModel, penguin: unknown) {
  if (typeof penguin !== "object" || penguin === null) {
    throw new HttpError(
      400,
      "Expected the penguin as an object with island, sex, bill_length_mm, bill_depth_mm, flipper_length_mm and body_mass_g",
    );
  }
  const problem = penguinProblem(penguin as RawPenguin);
  if (problem) throw new HttpError(400, problem);
  const classifier = classifierOf(saved);
  const probabilities = classifier.predictProba([encodePenguin(penguin as RawPenguin, saved.scaler)])[0]!;
  const best = probabilities.indexOf(Math.max(...probabilities));
  return {
    model: saved.name,
    species: classifier.classes[best],
    probabilities: Object.fromEntries(
      classifier.classes.map((species, i) => [species, Math.round(probabilities[i]! * 1000) / 1000]),
    ),
  };
}

/** What GET /models shows of a saved model. */
function modelSummary(saved: SavedModel) {
  return {
    name: saved.name,
    kind: saved.kind,
    library: saved.library,
    testAccuracy: saved.testAccuracy,
    trainedAt: saved.trainedAt,
  };
}

/** Builds the app without listening, so tests drive it over HTTP on a free port. */
export function createInferenceApp(modelsDir: string): Express {
  const app = express();
  app.use(express.json({ limit: "16kb" }));

  app.get("/models", async (_req, res) => {
    const files = await readdir(modelsDir).catch(() => [] as string[]);
    const models = [];
    for (const file of files.filter((name) => name.endsWith(".json")).sort()) {
      const saved = await loadModel(modelsDir, file.slice(0, -".json".length));
      models.push(modelSummary(saved));
    }
    res.json(models);
  });

  app.post("/predict", async (req, res) => {
    const body = (req.body ?? {}) as { model?: unknown; penguin?: unknown };
    res.json(predictPenguin(await loadModel(modelsDir, body.model), body.penguin));
  });

  // Exercise 1: POST /predict/{model_name}, the penguin as the whole JSON body; the same answer as POST /predict.
  app.post("/predict/:modelName", async () => {
    throw new HttpError(501, "POST /predict/{model_name} is not written yet (Exercise 1)");
  });

  // Exercise 2: GET /models/{model_name}, that model's entry of GET /models plus its features.
  app.get("/models/:modelName", async () => {
    throw new HttpError(501, "GET /models/{model_name} is not written yet (Exercise 2)");
  });

  app.use((_req, res) => {
    res.status(404).json({
      error: "Not found: use GET /models, GET /models/{model_name}, POST /predict or POST /predict/{model_name}",
    });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status =
      error instanceof HttpError ? error.status : (error as { status?: number }).status === 400 ? 400 : 500;
    res
      .status(status)
      .json({ error: status === 500 && !(error instanceof HttpError) ? "Internal error" : (error as Error).message });
  });
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const modelsDir =
    process.env.LAB4_MODELS_DIR ??
    join(process.env.KITELAB_HOME ?? join(homedir(), "kitelab"), "labs", "lab4", "models");
  const port = Number(process.env.PORT ?? 8085);
  createInferenceApp(modelsDir).listen(port, () =>
    console.log(`Lab 4 inference API on http://localhost:${port} (models in ${modelsDir})`),
  );
}
