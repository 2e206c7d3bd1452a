import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A throwaway Kitelab home with a dags folder; removed by `cleanup`. */
export function tempHome(prefix = "kitelab-test-"): {
  home: string;
  dags: string;
  logs: string;
  writeDag: (name: string, source: string) => string;
  cleanup: () => void;
} {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const dags = join(home, "dags");
  const logs = join(home, "logs");
  mkdirSync(dags, { recursive: true });
  return {
    home,
    dags,
    logs,
    writeDag(name, source) {
      const path = join(dags, name);
      writeFileSync(path, source);
      return path;
    },
    cleanup() {
      rmSync(home, { recursive: true, force: true });
    },
  };
}
