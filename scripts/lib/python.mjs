// Finds a Python 3.9+ interpreter able to create virtual environments.
import { capture } from "./log.mjs";

export const MIN_PYTHON = [3, 9];

export const PYTHON_INSTALL_HINT = [
  "Kitelab's JupyterLab needs Python 3.9 or newer with the venv module. Install it, then run `npm run setup` again:",
  "  Debian/Ubuntu:  sudo apt-get install python3 python3-venv",
  "  Fedora:         sudo dnf install python3",
  "  macOS:          brew install python@3.12",
  "  Windows:        winget install Python.Python.3.12",
  "Or point KITELAB_PYTHON at an interpreter you already have (KITELAB_PYTHON=/path/to/python3).",
].join("\n");

/** The first candidate that runs and is new enough, as { command, version }, or null with the reasons seen. */
export function findPython() {
  const candidates = process.env.KITELAB_PYTHON ? [process.env.KITELAB_PYTHON] : ["python3", "python"];
  const seen = [];
  for (const command of candidates) {
    const out = capture(command, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"]);
    if (out === null) {
      seen.push(`${command}: not found`);
      continue;
    }
    const version = out.trim();
    const [major, minor] = version.split(".").map(Number);
    if (major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1])) {
      return { command, version, seen };
    }
    seen.push(`${command}: ${version} is older than ${MIN_PYTHON.join(".")}`);
  }
  return { command: null, version: null, seen };
}
