import type { Command } from "commander";
import { parseConnectionUri } from "../../connections/uri.js";
import { openStoreReader } from "../../persistence/index.js";
import type { ConnectionRecord } from "../../records.js";
import { MASK, maskSecretNamedValues } from "../../util/secrets.js";
import { CliError, parseOutputFormat, printRows } from "../output.js";
import { loadCliConfig } from "./config.js";

interface AddOptions {
  connType?: string;
  connHost?: string;
  connSchema?: string;
  connLogin?: string;
  connPassword?: string;
  connPasswordStdin?: boolean;
  connPort?: string;
  connExtra?: string;
  connUri?: string;
  connDescription?: string;
}

/** Airflow's connection URI: `postgres://user:pass@host:5432/schema?key=value` (see parseConnectionUri). */
function fromUri(connId: string, uri: string): ConnectionRecord {
  try {
    return parseConnectionUri(connId, uri);
  } catch (error) {
    throw new CliError(`--conn-uri: ${(error as Error).message}`);
  }
}

function fromOptions(connId: string, options: AddOptions): ConnectionRecord {
  if (options.connUri) return fromUri(connId, options.connUri);
  if (!options.connType)
    throw new CliError("give --conn-type (such as aws, postgres, mysql, sqlite, http) or --conn-uri");
  let extra: Record<string, unknown> | undefined;
  if (options.connExtra) {
    try {
      extra = JSON.parse(options.connExtra) as Record<string, unknown>;
    } catch {
      throw new CliError(
        `--conn-extra must be a JSON object such as '{"region_name": "us-east-1"}', got ${options.connExtra}`,
      );
    }
  }
  const port = options.connPort === undefined ? undefined : Number(options.connPort);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
    throw new CliError(`--conn-port must be a port number, got "${options.connPort}"`);
  return {
    connId,
    connType: options.connType,
    host: options.connHost,
    schema: options.connSchema,
    login: options.connLogin,
    password: options.connPassword,
    port,
    extra,
    description: options.connDescription,
  };
}

/** The password piped to `--conn-password-stdin`, without the line end `echo` adds. */
async function passwordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("Password (then Enter and Ctrl-D): ");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (password === "") throw new CliError("--conn-password-stdin read an empty password from standard input");
  return password;
}

/** `kitelab connections add|get|list|delete`; passwords are encrypted at rest and never printed. */
export function registerConnectionCommands(program: Command): void {
  const connections = program
    .command("connections")
    .description("Connections: how tasks reach databases, stores and services");
  const store = (command: Command) => openStoreReader(loadCliConfig(command));

  connections
    .command("add")
    .argument("<conn-id>")
    .option("--conn-type <type>")
    .option("--conn-host <host>")
    .option("--conn-schema <schema>")
    .option("--conn-login <login>")
    .option("--conn-password <password>", "visible to other users in the process list: prefer --conn-password-stdin")
    .option("--conn-password-stdin", 'read the password from standard input (echo "$PW" | kitelab connections add ...)')
    .option("--conn-port <port>")
    .option("--conn-extra <json>")
    .option("--conn-uri <uri>")
    .option("--conn-description <text>")
    .description("Add a connection")
    .action(async (connId: string, options: AddOptions, command: Command) => {
      if (!/^[A-Za-z0-9_.-]+$/.test(connId))
        throw new CliError(`connection id "${connId}" may contain only letters, digits, "_", "-" and "."`);
      const record = fromOptions(connId, options);
      if (options.connPasswordStdin) {
        if (record.password !== undefined)
          throw new CliError("give the password once: --conn-password-stdin, or in --conn-password or --conn-uri");
        record.password = await passwordFromStdin();
      }
      const target = store(command);
      if (target.connections()[connId])
        throw new CliError(`A connection with conn_id \`${connId}\` already exists; delete it first`);
      await target.updateShared((shared, seal) => {
        shared.connections[connId] = { ...record, password: record.password ? seal(record.password) : undefined };
      });
      process.stdout.write(
        `Successfully added \`conn_id\`=${connId} : ${record.connType}://${record.login ? `${record.login}:${record.password ? MASK : ""}@` : ""}${record.host ?? ""}${record.port ? `:${record.port}` : ""}${record.schema ? `/${record.schema}` : ""}\n`,
      );
    });

  const columns = [
    { header: "conn_id", value: (c: ConnectionRecord) => c.connId },
    { header: "conn_type", value: (c: ConnectionRecord) => c.connType },
    { header: "host", value: (c: ConnectionRecord) => c.host ?? "" },
    { header: "schema", value: (c: ConnectionRecord) => c.schema ?? "" },
    { header: "login", value: (c: ConnectionRecord) => c.login ?? "" },
    { header: "password", value: (c: ConnectionRecord) => (c.password ? MASK : "") },
    { header: "port", value: (c: ConnectionRecord) => c.port ?? "" },
    {
      header: "extra",
      value: (c: ConnectionRecord) => (c.extra ? JSON.stringify(maskSecretNamedValues(c.extra)) : ""),
    },
  ];
  const masked = (c: ConnectionRecord) => ({
    conn_id: c.connId,
    conn_type: c.connType,
    host: c.host ?? null,
    schema: c.schema ?? null,
    login: c.login ?? null,
    password: c.password ? MASK : null,
    port: c.port ?? null,
    extra: c.extra ? maskSecretNamedValues(c.extra) : null,
  });

  connections
    .command("get")
    .argument("<conn-id>")
    .option("-o, --output <format>", "table or json", "table")
    .description("Show a connection (the password as ***)")
    .action((connId: string, options: { output: string }, command: Command) => {
      const connection = store(command).connections()[connId];
      if (!connection) throw new CliError(`Connection not found: ${connId}`);
      printRows([connection], columns, parseOutputFormat(options.output), masked);
    });

  connections
    .command("list")
    .option("-o, --output <format>", "table or json", "table")
    .description("List connections (passwords as ***)")
    .action((options: { output: string }, command: Command) => {
      printRows(Object.values(store(command).connections()), columns, parseOutputFormat(options.output), masked);
    });

  connections
    .command("delete")
    .argument("<conn-id>")
    .description("Delete a connection")
    .action(async (connId: string, _options: unknown, command: Command) => {
      const target = store(command);
      if (!target.connections()[connId]) throw new CliError(`Did not find a connection with \`conn_id\`=${connId}`);
      await target.updateShared((shared) => {
        delete shared.connections[connId];
      });
      process.stdout.write(`Successfully deleted connection with \`conn_id\`=${connId}\n`);
    });
}
