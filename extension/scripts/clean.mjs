// Removes the build outputs: lib/ (tsc) and kitelab_jupyterlab/labextension/ (the prebuilt labextension).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
for (const target of ["lib", "tsconfig.tsbuildinfo", path.join("kitelab_jupyterlab", "labextension")]) {
  fs.rmSync(path.join(root, target), { recursive: true, force: true });
}
