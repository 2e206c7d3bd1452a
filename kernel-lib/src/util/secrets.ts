/** Airflow's rule: names that hold secrets, whose values are never shown. */
const SENSITIVE_PARTS = [
  "password",
  "secret",
  "passwd",
  "token",
  "api_key",
  "apikey",
  "private_key",
  "access_token",
  "authorization",
  "passphrase",
];

export const MASK = "***";

export function isSensitiveName(name: string): boolean {
  const lower = name.toLowerCase();
  return SENSITIVE_PARTS.some((part) => lower.includes(part));
}

/**
 * A function that replaces every occurrence of the given secret values by `***`.
 * Values shorter than 3 characters are ignored, or everything would be masked.
 */
export function createMasker(secrets: Iterable<string>): (text: string) => string {
  const plain = [...secrets].filter((secret) => typeof secret === "string" && secret.length >= 3);
  // Encoded forms leak as surely as the value: base64 (with and without padding) too.
  const encoded = plain.flatMap((secret) => {
    const base64 = Buffer.from(secret, "utf8").toString("base64");
    return [base64, base64.replace(/=+$/, "")];
  });
  const values = [...new Set([...plain, ...encoded].filter((value) => value.length >= 3))].sort(
    (a, b) => b.length - a.length,
  );
  if (values.length === 0) return (text) => text;
  // Case-insensitive: an upper-cased secret (`${TOKEN^^}` in a shell) is still the secret.
  const pattern = new RegExp(values.map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "gi");
  return (text) => text.replace(pattern, MASK);
}

/** A copy of a record whose sensitive keys hold `***`. */
export function maskRecordValues<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [
      key,
      isSensitiveName(key) && value !== undefined && value !== "" ? MASK : value,
    ]),
  ) as T;
}

/**
 * A JSON value with the value of every secret-named key, at any depth, as `***` (a run's
 * `conf` as pages and the API show it; the task itself gets the real values).
 */
export function maskSecretNamedValues<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => maskSecretNamedValues(item)) as T;
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      isSensitiveName(key) && typeof inner !== "object" && inner !== undefined && inner !== ""
        ? MASK
        : maskSecretNamedValues(inner),
    ]),
  ) as T;
}

/**
 * A copy of a JSON value whose strings under secret-named keys, at any depth, went through
 * `change` (sealing them at rest, opening them again).
 */
export function mapSecretNamedStrings<T>(value: T, change: (text: string) => string): T {
  if (Array.isArray(value)) return value.map((item) => mapSecretNamedStrings(item, change)) as T;
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      isSensitiveName(key) && typeof inner === "string" ? change(inner) : mapSecretNamedStrings(inner, change),
    ]),
  ) as T;
}

/** The strings under secret-named keys of a JSON value, at any depth. */
export function secretNamedStrings(value: unknown): string[] {
  const found: string[] = [];
  mapSecretNamedStrings(value, (text) => {
    found.push(text);
    return text;
  });
  return found;
}

/**
 * Airflow's secrets masker: the values of secret-named Variables, every connection password,
 * secret-named `extra` fields of connections (nested ones too) and secret-named values of the
 * run's `conf` become `***` (in task logs, and in templates rendered for people to read).
 */
export function secretsMasker(
  variables: Readonly<Record<string, string>>,
  connections: Readonly<Record<string, { password?: string | null; extra?: Record<string, unknown> }>>,
  conf?: unknown,
): (text: string) => string {
  return createMasker([
    ...Object.entries(variables)
      .filter(([key]) => isSensitiveName(key))
      .map(([, value]) => value),
    ...Object.values(connections).flatMap((connection) => [
      connection.password ?? "",
      ...secretNamedStrings(connection.extra ?? {}),
    ]),
    ...secretNamedStrings(conf ?? {}),
  ]);
}
