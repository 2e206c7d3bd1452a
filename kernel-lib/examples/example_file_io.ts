/**
 * File in, file out: data never travels between tasks in memory. Each task reads a file
 * and writes one; predictions go to `{date}.csv` (%Y%m%d-%H%M%S) and to `latest.csv`.
 * Try: npx kitelab dags test kernel-lib/examples/example_file_io.ts
 */
import { mkdir, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { DAG, toCsv, withIO, type CsvRow } from "kitelab";

const dataDir = join(process.env.KITELAB_HOME ?? join(homedir(), "kitelab"), "data", "example_file_io");

export const dag = new DAG({
  dagId: "example_file_io",
  description: "Generate data, fit a line, predict: every step through files",
  schedule: "@daily",
  startDate: "2024-01-01",
  catchup: false,
  params: { data_dir: dataDir },
  tags: ["example"],
});

const generate = dag.task("generate_data", async ({ params, log }) => {
  const dir = String(params.data_dir);
  await mkdir(dir, { recursive: true });
  const rows = Array.from({ length: 50 }, (_, index) => ({ x: index, y: 3 * index + 7 + ((index * 37) % 5) - 2 }));
  await writeFile(join(dir, "train.csv"), toCsv(rows));
  log.info(`Wrote ${rows.length} rows to ${join(dir, "train.csv")}`);
  return { rows: rows.length };
});

interface LineModel {
  slope: number;
  intercept: number;
}

function fitLine(rows: CsvRow[]): LineModel {
  const xs = rows.map((row) => Number(row.x));
  const ys = rows.map((row) => Number(row.y));
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanY = ys.reduce((a, b) => a + b, 0) / ys.length;
  const covariance = xs.reduce((sum, x, i) => sum + (x - meanX) * (ys[i]! - meanY), 0);
  const variance = xs.reduce((sum, x) => sum + (x - meanX) ** 2, 0);
  const slope = covariance / variance;
  return { slope, intercept: meanY - slope * meanX };
}

const train = dag.task(
  "train",
  withIO<CsvRow[], LineModel>(
    { input: "{{ params.data_dir }}/train.csv", output: "{{ params.data_dir }}/model.json" },
    (rows) => fitLine(rows),
  ),
);

const predict = dag.task(
  "predict",
  withIO<LineModel, CsvRow[]>(
    {
      input: "{{ params.data_dir }}/model.json",
      output: ["{{ params.data_dir }}/predictions/{date}.csv", "{{ params.data_dir }}/predictions/latest.csv"],
    },
    (model) => [100, 200, 300].map((x) => ({ x, predicted_y: Math.round(model.slope * x + model.intercept) })),
  ),
);

generate.then(train).then(predict);
