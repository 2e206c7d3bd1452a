// Lab 5's exercise 1 as a student does it: the backfill runs on the stub and publish_metrics
// fails, the check says so; then publish_metrics is written (the solution saved over the lab)
// and the exercise cell clears the failed tasks of each backfill run, which run again and
// succeed, and the check passes (see fixMidwayTest in notebooks/notebookTests.ts).
import { fixMidwayTest } from "./notebooks/notebookTests.js";

fixMidwayTest("05-drift-backfill.ipynb", 1);
