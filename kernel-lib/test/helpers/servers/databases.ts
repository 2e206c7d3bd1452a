import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "../waitFor.js";
import { freePort, isRoot, startOwned, userIds } from "./process.js";

/** A throwaway database server: its connection fields, and `stop` removes it with its folder. */
export interface DatabaseServer {
  host: string;
  port: number;
  login: string;
  password: string;
  schema: string;
  stop(): Promise<void>;
}

const POSTGRES_ROOT = "/usr/lib/postgresql";
const MARIADB_SERVER = "/usr/sbin/mariadbd";
const MARIADB_INSTALL_DB = "/usr/bin/mariadb-install-db";
const INSTALL_HINT = (pkg: string) =>
  `Debian's ${pkg} is not installed: run \`npm run setup\` as root, or \`sudo apt-get install -y --no-install-recommends ${pkg}\``;

/** The newest installed Postgres's bin folder. */
function postgresBin(): string | undefined {
  if (!existsSync(POSTGRES_ROOT)) return undefined;
  const versions = readdirSync(POSTGRES_ROOT)
    .filter((name) => existsSync(join(POSTGRES_ROOT, name, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(POSTGRES_ROOT, versions[0], "bin");
}

/** Why Postgres cannot run here (what to install), or undefined when it can. */
export function postgresMissing(): string | undefined {
  if (!postgresBin()) return INSTALL_HINT("postgresql");
  if (isRoot() && !userIds("postgres"))
    return "running as root, Postgres needs the system user `postgres` (Debian's postgresql package creates it)";
  return undefined;
}

/** Why MariaDB cannot run here (what to install), or undefined when it can. */
export function mariaDbMissing(): string | undefined {
  return existsSync(MARIADB_SERVER) && existsSync(MARIADB_INSTALL_DB) ? undefined : INSTALL_HINT("mariadb-server");
}

function runOrThrow(command: string, args: string[], options: { uid?: number; gid?: number; cwd?: string } = {}): void {
  const result = spawnSync(command, args, { encoding: "utf8", ...options });
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(" ")} failed (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}${result.error ?? ""}`,
    );
}

/**
 * A Postgres cluster in a temporary folder, password authentication only, listening on a free
 * loopback port. Postgres refuses to run as root, so under root it runs as the `postgres` user.
 */
export async function startPostgres(): Promise<DatabaseServer> {
  const bin = postgresBin()!;
  const owner = isRoot() ? userIds("postgres") : undefined;
  const dir = mkdtempSync(join(tmpdir(), "kitelab-postgres-"));
  const data = join(dir, "data");
  const password = "pg-Secret-4711";
  writeFileSync(join(dir, "pwfile"), `${password}\n`);
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(join(dir, "pwfile"), owner.uid, owner.gid);
  }
  runOrThrow(
    join(bin, "initdb"),
    ["-D", data, "-U", "kitelab", `--pwfile=${join(dir, "pwfile")}`, "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"],
    { ...owner, cwd: dir },
  );
  const port = await freePort();
  const server = startOwned(
    join(bin, "postgres"),
    ["-D", data, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-k", dir, "-c", "fsync=off"],
    { ...owner, cwd: dir },
  );
  const stop = async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { default: pg } = await import("pg");
    await waitFor(
      `postgres on 127.0.0.1:${port}`,
      async () => {
        if (server.child.exitCode !== null)
          throw new Error(`postgres exited (${server.child.exitCode}):\n${server.output()}`);
        const client = new pg.Client({ host: "127.0.0.1", port, user: "kitelab", password, database: "postgres" });
        client.on("error", () => undefined);
        return client.connect().then(
          () => client.end().then(() => true),
          () => undefined,
        );
      },
      60_000,
      100,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { host: "127.0.0.1", port, login: "kitelab", password, schema: "postgres", stop };
}

/**
 * A MariaDB server in a temporary folder on a free loopback port, with a user `kitelab` (password
 * authentication) and a database `kitelab`, created by an init file at start-up.
 */
export async function startMariaDb(): Promise<DatabaseServer> {
  const dir = mkdtempSync(join(tmpdir(), "kitelab-mariadb-"));
  const data = join(dir, "data");
  const password = "maria-Secret-4711";
  const user = isRoot() ? ["--user=root"] : [];
  runOrThrow(
    MARIADB_INSTALL_DB,
    ["--no-defaults", `--datadir=${data}`, "--auth-root-authentication-method=socket", "--skip-test-db", ...user],
    { cwd: dir },
  );
  writeFileSync(
    join(dir, "init.sql"),
    `CREATE DATABASE IF NOT EXISTS kitelab;\nCREATE USER IF NOT EXISTS 'kitelab'@'%' IDENTIFIED BY '${password}';\nGRANT ALL ON kitelab.* TO 'kitelab'@'%';\n`,
  );
  const port = await freePort();
  const server = startOwned(
    MARIADB_SERVER,
    [
      "--no-defaults",
      `--datadir=${data}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      `--socket=${join(dir, "mysqld.sock")}`,
      `--pid-file=${join(dir, "mysqld.pid")}`,
      `--init-file=${join(dir, "init.sql")}`,
      "--skip-name-resolve",
      "--innodb-buffer-pool-size=16M",
      "--skip-log-bin",
      ...user,
    ],
    { cwd: dir },
  );
  const stop = async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const mysql = await import("mysql2/promise");
    await waitFor(
      `mariadbd on 127.0.0.1:${port}`,
      async () => {
        if (server.child.exitCode !== null)
          throw new Error(`mariadbd exited (${server.child.exitCode}):\n${server.output()}`);
        return mysql.createConnection({ host: "127.0.0.1", port, user: "kitelab", password, database: "kitelab" }).then(
          (connection) => connection.end().then(() => true),
          () => undefined,
        );
      },
      90_000,
      200,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { host: "127.0.0.1", port, login: "kitelab", password, schema: "kitelab", stop };
}
