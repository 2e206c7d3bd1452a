import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { ValidationError, describeValue } from "../errors.js";
import type { ConnectionRecord } from "../records.js";

/** One object in a bucket. */
export interface StoredObject {
  key: string;
  size: number;
  lastModified: string;
}

/**
 * An S3-like object store that works offline: a local folder acts as the bucket, keys are
 * `/`-separated paths inside it. Reached through a Connection of type `fs` whose
 * `extra.root` names the folder, so the location lives with the connection, not in the DAG.
 * @example
 * const store = ObjectStore.fromConnection(connections.get("store_default"));
 * await store.download("datasets/petrol.csv", "/tmp/petrol.csv");
 * await store.upload("/tmp/model.json", `models/${ds}/model.json`);
 */
export class ObjectStore {
  constructor(readonly root: string) {
    if (typeof root !== "string" || !isAbsolute(root)) {
      throw new ValidationError(`Expected the store root to be an absolute folder path, got ${describeValue(root)}`);
    }
  }

  /** Builds a client from an `fs` connection: `{ connType: "fs", extra: { root: "/path/to/bucket" } }`. */
  static fromConnection(connection: ConnectionRecord | undefined, connId = "store_default"): ObjectStore {
    if (!connection) {
      throw new ValidationError(
        `No connection '${connId}'; add it with: kitelab connections add ${connId} --conn-type fs --conn-extra '{"root": "/path/to/bucket"}'`,
      );
    }
    if (connection.connType !== "fs") {
      throw new ValidationError(`Expected connection '${connection.connId}' to have conn type "fs", got ${describeValue(connection.connType)}`);
    }
    const root = connection.extra?.root;
    if (typeof root !== "string" || root === "") {
      throw new ValidationError(`Expected connection '${connection.connId}' to have extra {"root": "/path/to/bucket"}, got root ${describeValue(root)}`);
    }
    return new ObjectStore(root);
  }

  /** Writes bytes or text under `key` (atomically: a reader never sees half an object). */
  async put(key: string, body: string | Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.partial`;
    await writeFile(temporary, body);
    await rename(temporary, path);
  }

  /** The object's bytes. Throws a ValidationError naming the key when it is missing. */
  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      throw this.missing(key, error);
    }
  }

  /** Copies a local file into the store under `key`. */
  async upload(localPath: string, key: string): Promise<StoredObject> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.partial`;
    await copyFile(localPath, temporary);
    await rename(temporary, path);
    return this.head(key);
  }

  /** Copies the object `key` to a local file (creating its folder). */
  async download(key: string, localPath: string): Promise<StoredObject> {
    const info = await this.head(key);
    await mkdir(dirname(localPath), { recursive: true });
    await copyFile(this.pathOf(key), localPath);
    return info;
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.pathOf(key)).then((info) => info.isFile(), () => false);
  }

  /** Size and modification time of an object. */
  async head(key: string): Promise<StoredObject> {
    try {
      const info = await stat(this.pathOf(key));
      if (!info.isFile()) throw Object.assign(new Error("not a file"), { code: "ENOENT" });
      return { key, size: info.size, lastModified: info.mtime.toISOString() };
    } catch (error) {
      throw this.missing(key, error);
    }
  }

  /** Every object whose key starts with `prefix`, sorted by key. */
  async list(prefix = ""): Promise<StoredObject[]> {
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true }).catch(() => []);
    const objects: StoredObject[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.endsWith(".partial")) continue;
      const key = relative(this.root, join(entry.parentPath, entry.name)).split(sep).join("/");
      if (key.startsWith(prefix)) objects.push(await this.head(key));
    }
    return objects.sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Removes an object; a missing key is not an error (as in S3). */
  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    if (typeof key !== "string" || key === "" || key.startsWith("/") || key.split("/").some((part) => part === ".." || part === "." || part === "")) {
      throw new ValidationError(`Expected an object key such as "models/2024-01-01/model.json" (no leading "/", no "." or ".." parts), got ${describeValue(key)}`);
    }
    return join(this.root, ...key.split("/"));
  }

  private missing(key: string, error: unknown): Error {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return new ValidationError(`No object '${key}' in the store at ${this.root}`);
    }
    return error as Error;
  }
}
