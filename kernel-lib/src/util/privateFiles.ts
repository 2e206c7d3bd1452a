import { appendFileSync, chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Task logs and mails can hold what a task printed, secrets a mask missed included: only the
 * user who runs Kitelab reads them. Folders are 0700, files 0600, whatever the umask.
 */
export function makePrivateFolder(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing folder as it was: one made by an older Kitelab was 0755.
  chmodSync(path, 0o700);
}

/** Appends to a private file, making its folders (0700) as needed. */
export function appendPrivateFile(path: string, text: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  appendFileSync(path, text, { mode: 0o600 });
}

/** Writes a private file, making its folders (0700) as needed. */
export function writePrivateFile(path: string, text: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, text, { mode: 0o600 });
}
