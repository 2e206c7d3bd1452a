import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Request } from "express";
import { HttpError } from "./problems.js";

/**
 * Who may do what (the trust model; README.md in this folder says more):
 * - The server binds to 127.0.0.1 by default, so "who can reach it" is the local user, or
 *   whoever the Jupyter server let through its own login when it is proxied.
 * - A request is *authenticated* by the API token in `Authorization: Bearer T`,
 *   `Authorization: Basic` with T as the password (Airflow 2's basic auth, any user name) or
 *   `X-Kitelab-Token: T` (the JupyterLab proxy adds the latter), or by the session cookie
 *   that `/login?token=T` sets (HttpOnly, SameSite=Strict, its value an HMAC of the token).
 * - Reads (pages and GET API) are open when `exposeReads`, else need authentication.
 * - API writes need the token in a header: browsers cannot add one cross-site, so the
 *   API cannot be driven by a forged form.
 * - The page's own buttons are HTML form posts. They are accepted when the viewer may read
 *   the pages, the form carries the app's CSRF token (an HMAC of the secret, printed only
 *   into pages, which another site cannot read), the browser says the request is
 *   same-origin (`Sec-Fetch-Site`, else `Origin` against the host), and — for viewers
 *   without a token or cookie — the host is a loopback name, which defeats DNS rebinding.
 */
export interface Guard {
  /** How a request proved itself. */
  authOf(req: Request): "token" | "cookie" | "none" | "wrong";
  canRead(req: Request): boolean;
  /** Throws 401 (no credentials) or 403 (wrong ones) unless the request reads freely or is authenticated. */
  requireRead(req: Request): void;
  /** Throws unless the request carries the token in a header (API writes). */
  requireTokenHeader(req: Request): void;
  /** Throws 403 unless a page form post is legitimate (see above). */
  requireFormPost(req: Request): void;
  readonly csrfToken: string;
  readonly authEnabled: boolean;
  /** `name=value` pieces of the session cookie, when `candidate` is the right token. */
  sessionCookieFor(candidate: string): string | undefined;
  readonly cookieName: string;
}

export function createGuard(options: { token: string; exposeReads: boolean; cookiePath: string }): Guard {
  const authEnabled = options.token !== "";
  const secret = authEnabled ? options.token : randomBytes(32).toString("hex");
  const derive = (purpose: string) => createHmac("sha256", secret).update(`kitelab-web:${purpose}`).digest("base64url");
  const csrfToken = derive("csrf");
  const sessionValue = derive("session");
  // Cookies ignore ports: two Kitelabs on one host must not read each other's cookie.
  const cookieName = `kitelab_session_${derive("cookie-name").slice(0, 8).replace(/[^A-Za-z0-9]/g, "x")}`;

  const authOf = (req: Request): "token" | "cookie" | "none" | "wrong" => {
    if (!authEnabled) return "token";
    const presented = tokenInHeaders(req);
    if (presented !== undefined) return safeEqual(presented, options.token) ? "token" : "wrong";
    const cookie = cookiesOf(req).get(cookieName);
    if (cookie !== undefined && safeEqual(cookie, sessionValue)) return "cookie";
    return "none";
  };

  const readAllowed = (req: Request) => {
    const auth = authOf(req);
    if (auth === "wrong") return false;
    return options.exposeReads || auth !== "none";
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
        if (!isSameOriginOrNotBrowser(req)) throw new HttpError(403, "Cross-site requests cannot change Kitelab's state.");
        return;
      }
      const presented = tokenInHeaders(req);
      if (presented === undefined) {
        throw new HttpError(401, "This request changes state: send the API token as `Authorization: Bearer <token>` (see `kitelab info`).");
      }
      if (!safeEqual(presented, options.token)) throw new HttpError(403, "The API token is wrong.");
    },
    requireFormPost(req) {
      const auth = authOf(req);
      if (!readAllowed(req)) throwAuthFailure(auth);
      const body = req.body as Record<string, unknown> | undefined;
      const sent = typeof body?._csrf === "string" ? body._csrf : "";
      if (!safeEqual(sent, csrfToken)) {
        throw new HttpError(403, "This form is out of date or did not come from a Kitelab page. Reload the page and try again.");
      }
      if (!isSameOriginOrNotBrowser(req)) throw new HttpError(403, "Cross-site form posts are refused.");
      if (auth === "none" && !isLoopbackHost(req)) {
        throw new HttpError(403, "Sign in with the API token to use the buttons when Kitelab is reached by a non-local address.");
      }
    },
    csrfToken,
    authEnabled,
    cookieName,
    sessionCookieFor(candidate) {
      if (!authEnabled || !safeEqual(candidate, options.token)) return undefined;
      return `${cookieName}=${sessionValue}; Path=${options.cookiePath}; HttpOnly; SameSite=Strict`;
    },
  };
}

function throwAuthFailure(auth: "token" | "cookie" | "none" | "wrong"): never {
  if (auth === "wrong") throw new HttpError(403, "The API token is wrong.");
  throw new HttpError(401, "Reading Kitelab needs the API token: send `Authorization: Bearer <token>` or sign in at /login.");
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
  if (typeof value !== "string" || value === "") throw new HttpError(400, `Expected \`${name}\` to be a non-empty string.`);
  if (value.includes("..") || /[/\\\0]/.test(value)) {
    throw new HttpError(400, `The ${name} ${JSON.stringify(value)} contains '..', a slash or a NUL byte; such names are refused.`);
  }
  return value;
}
