import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const REDIS_SERVER = "/usr/bin/redis-server";

/** A free loopback port (the OS picks it; closed again before Redis binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface TestRedis {
  url: string;
  port: number;
  /** SIGTERM and wait: Redis writes its append-only file first, as on a clean restart. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  restart(): Promise<void>;
  /** Stops it and removes its data folder. */
  cleanup(): Promise<void>;
}

/**
 * A real redis-server on a free loopback port, its data (append-only file, fsync'd on every
 * write, so a restart keeps queued jobs) in a temporary folder removed by `cleanup`.
 */
export async function startRedis(options: { fsyncEveryWrite?: boolean } = {}): Promise<TestRedis> {
  if (!existsSync(REDIS_SERVER))
    throw new Error(
      `${REDIS_SERVER} is missing: run \`npm run setup\` (it installs Debian's redis-server) or apt-get install redis-server`,
    );
  const dir = mkdtempSync(join(tmpdir(), "kitelab-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const args = [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        // The tests restart Redis mid-run and lose nothing; the bench runs it as Debian's
        // redis.conf does (fsync once a second).
        options.fsyncEveryWrite === false ? "everysec" : "always",
        "--protected-mode",
        "no",
      ];
      const started = spawn(REDIS_SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
      child = started;
      let output = "";
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/Ready to accept connections/.test(output)) {
          started.stdout!.off("data", onData);
          started.stdout!.resume();
          resolve();
        }
      };
      started.stdout!.on("data", onData);
      started.stderr!.resume();
      started.once("exit", (code) =>
        reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)),
      );
    });
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill("SIGTERM");
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    stop,
    restart: launch,
    async cleanup() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
