import { ValidationError } from "../errors.js";
import type { ConnectionRecord } from "../records.js";

/** Schemes Airflow renames when it reads a URI (SQLAlchemy's spelling to the connection type). */
const SCHEME_ALIASES: Record<string, string> = { postgresql: "postgres" };

/**
 * Reads a connection URI as Airflow does:
 * `postgres://user:pass@host:5432/schema?key=value` or `aws://KEY:SECRET@/?region_name=us-east-1&endpoint_url=http%3A%2F%2F127.0.0.1%3A5000`.
 * Query parameters become `extra`; a `__extra__` parameter holds the whole extra as JSON.
 * Every part is percent-decoded, so a password may hold `@`, `:` or `/` when encoded.
 * @example parseConnectionUri("pg", "postgres://ann:s%40cret@db:5432/shop").password === "s@cret"
 */
export function parseConnectionUri(connId: string, uri: string): ConnectionRecord {
  const parts = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?(#.*)?$/.exec(
    typeof uri === "string" ? uri.trim() : "",
  );
  const authority = parts ? /^(?:([^:@]*)(?::([^@]*))?@)?(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(parts[2]!) : null;
  if (!parts || !authority) {
    throw new ValidationError(
      `Connection '${connId}': expected a URI such as postgres://user:password@host:5432/schema or aws://KEY:SECRET@/?region_name=us-east-1, got "${redactUri(String(uri))}"`,
    );
  }
  const [, scheme, , path, query] = parts;
  const [, login, password, host, port] = authority;
  const connType = scheme!.toLowerCase().replace(/-/g, "_");
  const decode = (part: string | undefined) =>
    part === undefined || part === "" ? undefined : decodeURIComponent(part);
  return {
    connId,
    connType: SCHEME_ALIASES[connType] ?? connType,
    host: decode(host),
    login: decode(login),
    password: decode(password),
    port: port === undefined || port === "" ? undefined : Number(port),
    schema: decode(path?.replace(/^\//, "")),
    extra: extraOf(connId, new URLSearchParams(query ?? "")),
  };
}

function extraOf(connId: string, params: URLSearchParams): Record<string, unknown> | undefined {
  const packed = params.get("__extra__");
  if (packed !== null) {
    try {
      const extra = JSON.parse(packed) as unknown;
      if (typeof extra === "object" && extra !== null && !Array.isArray(extra)) return extra as Record<string, unknown>;
    } catch {
      // reported below
    }
    throw new ValidationError(
      `Connection '${connId}': expected __extra__ in the URI to be a JSON object such as {"region_name": "us-east-1"}, got ${packed}`,
    );
  }
  const extra = Object.fromEntries(params);
  return Object.keys(extra).length > 0 ? extra : undefined;
}

/** The URI with its password replaced, for messages. */
export function redactUri(uri: string): string {
  return uri.replace(/^([^:/?#]+:\/\/[^:/?#@]*:)[^@/?#]*@/, "$1***@");
}
