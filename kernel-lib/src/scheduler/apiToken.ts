import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KitelabConfig } from "../config/index.js";

/** Reads the API token from config, or from `$KITELAB_HOME/api_token`, generating it (mode 0600) on first start. */
export function ensureApiToken(config: KitelabConfig): string {
  if (config.webserver.authToken) return config.webserver.authToken;
  const path = join(config.home, "api_token");
  if (existsSync(path)) return readFileSync(path, "utf8").trim();
  mkdirSync(config.home, { recursive: true });
  const token = randomBytes(24).toString("base64url");
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return token;
}
