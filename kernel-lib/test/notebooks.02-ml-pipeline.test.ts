// notebooks/02-ml-pipeline.ipynb in the real tslab kernel: Run All on the stubs, on the solutions (if the
// lab has some), and jupyter nbconvert --execute (see notebooks/notebookTests.ts).
import { fileURLToPath } from "node:url";
import { notebookOfTestFile, notebookTests } from "./notebooks/notebookTests.js";

notebookTests(notebookOfTestFile(fileURLToPath(import.meta.url)));
