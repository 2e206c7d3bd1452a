import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The JSON Web Tokens Airflow 3's `POST /auth/token` hands out (HS256), so its clients'
 * login flow works: username and password in, a signed bearer token out. Pure: the key and
 * the clock are the caller's.
 */

export interface AccessClaims {
  /** The user name the token was asked for. */
  sub: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expires at, seconds since the epoch. */
  exp: number;
  iss: string;
}

export const TOKEN_ISSUER = "kitelab";
/** Airflow's `[api_auth] jwt_expiration_time` default. */
export const TOKEN_LIFETIME_SECONDS = 86_400;

const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));

export function signAccessToken(key: string, subject: string, now: Date): string {
  const iat = Math.floor(now.getTime() / 1000);
  const claims: AccessClaims = { sub: subject, iat, exp: iat + TOKEN_LIFETIME_SECONDS, iss: TOKEN_ISSUER };
  const unsigned = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${unsigned}.${signature(key, unsigned)}`;
}

/** The claims of a token this key signed and that has not expired at `now`, else undefined. */
export function verifyAccessToken(key: string, token: string, now: Date): AccessClaims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== HEADER) return undefined;
  const expected = Buffer.from(signature(key, `${parts[0]}.${parts[1]}`));
  const given = Buffer.from(parts[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  let claims: Partial<AccessClaims>;
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as Partial<AccessClaims>;
  } catch {
    return undefined;
  }
  if (claims.iss !== TOKEN_ISSUER || typeof claims.exp !== "number" || typeof claims.sub !== "string") return undefined;
  if (claims.exp * 1000 <= now.getTime()) return undefined;
  return claims as AccessClaims;
}

function signature(key: string, unsigned: string): string {
  return createHmac("sha256", key).update(unsigned).digest("base64url");
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}
