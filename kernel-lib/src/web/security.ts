import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Request } from "express";
import { signAccessToken, verifyAccessToken } from "./jwt.js";
import { HttpError } from "./problems.js";

/**
 * Who may do what (the trust model; README.md in this folder says more):
 * - The server binds to 127.0.0.1 by default, so "who can reach it" is the local user, or
 *   whoever the Jupyter server let through its own login when it is proxied.
 * - A request is *authenticated* by the API token in `Authorization: Bearer T` (or a JWT
 *   that `POST /auth/token` issued for T, as Airflow 3's clients send it),
 *   `Authorization: Basic` with T as the password (Airflow 2's basic auth, any user name) or
 *   `X-Kitelab-Token: T` (the JupyterLab proxy adds the latter), or by the session cookie
 *   that `/login?token=T` sets (HttpOnly, SameSite=Strict, its value an HMAC of the token).
 * - Reads (pages and GET API) are open when `exposeReads`, else need authentication.
 * - API writes need the token in a header: browsers cannot add one cross-site, so the
 *   API cannot be driven by a forged form.
 * - The page's own buttons are HTML form posts. They are accepted only from a session bound
 *   to the API token (the cookie `/login` sets, a fresh random id per sign-in, or the
 *   JupyterLab proxy's token header), with that session's CSRF token (an HMAC of a per-server
 *   secret and the session, printed only into that session's pages), and when the browser
 *   says the request is same-origin (`Sec-Fetch-Site`, else `Origin`; saying nothing is
 *   not same-origin). Reading the pages is never enough to change state.
 * - Every request's Host must be a loopback name or one of `[webserver] allowed_hosts`
 *   (`hostCheck.ts`), unless it carries the token: DNS rebinding reads nothing.
 */
export interface Guard {
  /** How a request proved itself. */
  authOf(req: Request): "token" | "cookie" | "none" | "wrong";
  canRead(req: Request): boolean;
  /** Throws 401 (no credentials) or 403 (wrong ones) unless the request reads freely or is authenticated. */
  requireRead(req: Request): void;
  /** Throws unless the request carries the token in a header (API writes). */
  requireTokenHeader(req: Request): void;
  /** Throws 401/403 unless a page form post is legitimate (see above). */
  requireFormPost(req: Request): void;
  /** The CSRF token for this request's session; empty without one (the page's buttons then ask to sign in). */
  csrfFor(req: Request): string;
  readonly authEnabled: boolean;
  /** A new session's `name=value; …` cookie, when `candidate` is the right token. */
  sessionCookieFor(candidate: string): string | undefined;
  readonly cookieName: string;
  /**
   * Airflow 3's login (`POST /auth/token`): a signed access token when `password` is the API
   * token (any user name, as with Basic auth), else undefined. With authentication off, any password.
   */
  issueAccessToken(username: string, password: string): string | undefined;
}

/** Sessions kept at once; the oldest is dropped (it signs in again). */
const MAX_SESSIONS = 1000;

export function createGuard(options: {
  token: string;
  exposeReads: boolean;
  cookiePath: string;
  now?: () => Date;
}): Guard {
  const authEnabled = options.token !== "";
  const now = options.now ?? (() => new Date());
  // A fresh secret per server: nothing derived from it (CSRF tokens) is the same across installs or restarts.
  const secret = randomBytes(32).toString("hex");
  // Access tokens stay valid across restarts of the same home, as long as its API token is the same.
  const jwtKey = createHmac("sha256", options.token || secret)
    .update("kitelab-access-token")
    .digest("base64url");
  const isCredential = (presented: string) =>
    safeEqual(presented, options.token) || verifyAccessToken(jwtKey, presented, now()) !== undefined;
  const derive = (purpose: string) => createHmac("sha256", secret).update(`kitelab-web:${purpose}`).digest("base64url");
  const sessions = new Set<string>();
  // Cookies ignore ports: two Kitelabs on one host must not read each other's cookie.
  const cookieName = `kitelab_session_${createHmac("sha256", options.token || secret)
    .update("cookie-name")
    .digest("base64url")
    .slice(0, 8)
    .replace(/[^A-Za-z0-9]/g, "x")}`;

  const sessionOf = (req: Request): string | undefined => {
    const cookie = cookiesOf(req).get(cookieName);
    return cookie !== undefined && sessions.has(cookie) ? cookie : undefined;
  };

  const authOf = (req: Request): "token" | "cookie" | "none" | "wrong" => {
    if (!authEnabled) return "token";
    const presented = tokenInHeaders(req);
    if (presented !== undefined) return isCredential(presented) ? "token" : "wrong";
    return sessionOf(req) !== undefined ? "cookie" : "none";
  };

  const readAllowed = (req: Request) => {
    const auth = authOf(req);
    if (auth === "wrong") return false;
    return options.exposeReads || auth !== "none";
  };

  const csrfFor = (req: Request): string => {
    const auth = authOf(req);
    if (auth === "token") return derive("csrf:token-header");
    if (auth === "cookie") return derive(`csrf:session:${sessionOf(req)}`);
    return "";
  };

  return {
    authOf,
    canRead: readAllowed,
    requireRead(req) {
      if (readAllowed(req)) return;
      throwAuthFailure(authOf(req));
    },
    requireTokenHeader(req) {
      if (!authEnabled) {
        if (!isSameOriginOrNotBrowser(req))
          throw new HttpError(403, "Cross-site requests cannot change Kitelab's state.");
        return;
      }
      const presented = tokenInHeaders(req);
      if (presented === undefined) {
        throw new HttpError(
          401,
          "This request changes state: send the API token as `Authorization: Bearer <token>` (see `kitelab info`).",
        );
      }
      if (!isCredential(presented)) throw new HttpError(403, "The API token is wrong.");
    },
    requireFormPost(req) {
      const auth = authOf(req);
      if (auth === "wrong") throwAuthFailure(auth);
      // Reading the pages is not enough to change state: a session bound to the API token is.
      if (auth === "none")
        throw new HttpError(401, "Sign in with the API token (see `kitelab info`) to use the buttons.");
      const body = req.body as Record<string, unknown> | undefined;
      const sent = typeof body?._csrf === "string" ? body._csrf : "";
      if (!safeEqual(sent, csrfFor(req))) {
        throw new HttpError(
          403,
          "This form is out of date or did not come from a Kitelab page. Reload the page and try again.",
        );
      }
      if (!isSameOrigin(req))
        throw new HttpError(
          403,
          "Cross-site form posts are refused (the browser did not say the form came from this site).",
        );
    },
    csrfFor,
    authEnabled,
    cookieName,
    issueAccessToken(username, password) {
      if (authEnabled && !safeEqual(password, options.token)) return undefined;
      return signAccessToken(jwtKey, username, now());
    },
    sessionCookieFor(candidate) {
      if (!authEnabled || !safeEqual(candidate, options.token)) return undefined;
      const session = randomBytes(24).toString("base64url");
      sessions.add(session);
      if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.values().next().value!);
      return `${cookieName}=${session}; Path=${options.cookiePath}; HttpOnly; SameSite=Strict`;
    },
  };
}

function throwAuthFailure(auth: "token" | "cookie" | "none" | "wrong"): never {
  if (auth === "wrong") throw new HttpError(403, "The API token is wrong.");
  throw new HttpError(
    401,
    "Reading Kitelab needs the API token: send `Authorization: Bearer <token>` or sign in at /login.",
  );
}

function tokenInHeaders(req: Request): string | undefined {
  const authorization = req.get("authorization");
  if (authorization !== undefined) {
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (bearer) return bearer[1]!.trim();
    // Airflow 2's basic_auth backend, as scripts and its client send it: any user name, the token as password.
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization.trim());
    if (basic) {
      const pair = Buffer.from(basic[1]!, "base64").toString("utf8");
      return pair.includes(":") ? pair.slice(pair.indexOf(":") + 1) : "";
    }
    return "";
  }
  const header = req.get("x-kitelab-token");
  return header === undefined ? undefined : header.trim();
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function cookiesOf(req: Request): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.get("cookie") ?? "").split(";")) {
    const index = part.indexOf("=");
    if (index > 0) cookies.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
  return cookies;
}

/** True when the browser says the request came from this site; a request that says nothing is not. */
export function isSameOrigin(req: Request): boolean {
  const site = req.get("sec-fetch-site");
  if (site !== undefined) return site === "same-origin";
  return req.get("origin") !== undefined && isSameOriginOrNotBrowser(req);
}

/**
 * True unless a browser tells us the request came from another site. Browsers send
 * `Sec-Fetch-Site` (or at least `Origin`) on every cross-origin POST; scripts send neither.
 */
export function isSameOriginOrNotBrowser(req: Request): boolean {
  const site = req.get("sec-fetch-site");
  if (site !== undefined) return site === "same-origin" || site === "none";
  const origin = req.get("origin");
  if (origin === undefined) return true;
  if (origin === "null") return false;
  try {
    const originHost = new URL(origin).host.toLowerCase();
    const hosts = [req.get("x-forwarded-host"), req.get("host")].filter((host): host is string => host !== undefined);
    return hosts.some((host) => host.split(",")[0]!.trim().toLowerCase() === originHost);
  } catch {
    return false;
  }
}

/** True when the Host header names this machine's loopback interface. */
export function isLoopbackHost(req: Request): boolean {
  const host = (req.get("host") ?? "").toLowerCase();
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0]!;
  return name === "localhost" || name.endsWith(".localhost") || name === "[::1]" || /^127(\.\d{1,3}){3}$/.test(name);
}

/**
 * Refuses a path parameter that could name another file or folder: `..`, a separator
 * (also when it arrived percent-encoded), a NUL byte or an empty value.
 */
export function checkPathParam(name: string, value: unknown): string {
  if (typeof value !== "string" || value === "")
    throw new HttpError(400, `Expected \`${name}\` to be a non-empty string.`);
  if (value.includes("..") || /[/\\\0]/.test(value)) {
    throw new HttpError(
      400,
      `The ${name} ${JSON.stringify(value)} contains '..', a slash or a NUL byte; such names are refused.`,
    );
  }
  return value;
}
