import type { NextFunction, Request, Response } from "express";
import { HttpError } from "./problems.js";
import type { Guard } from "./security.js";

/**
 * Answers only requests addressed to this machine by a name it knows: a loopback name, or
 * one of `[webserver] allowed_hosts`. DNS rebinding points a foreign name (`evil.example`,
 * `127.0.0.1.nip.io`) at 127.0.0.1 so that another site's script can read the answers; the
 * browser still sends the foreign name as Host, so refusing it protects reads (the outbox
 * mails, logs) as well as writes. A request that carries the API token or a signed-in
 * session (host-bound cookie) proves it is not such a script, and `/login` must be reachable
 * to sign in by any name.
 */
export function hostCheck(guard: Guard, allowedHosts: readonly string[]) {
  const allowed = new Set(allowedHosts.map((host) => host.trim().toLowerCase()).filter((host) => host !== ""));
  return (req: Request, _res: Response, next: NextFunction): void => {
    const name = hostNameOf(req.get("host"));
    if (name === undefined) return next(new HttpError(400, "The request has no Host header."));
    if (isLoopbackName(name) || allowed.has(name) || req.path === "/login") return next();
    const auth = guard.authOf(req);
    if (auth === "token" && guard.authEnabled) return next();
    if (auth === "cookie") return next();
    next(
      new HttpError(
        403,
        `Kitelab answers to localhost and its loopback addresses, not to "${name}". To reach it by this name, add it to [webserver] allowed_hosts in airflow.cfg, or send the API token.`,
      ),
    );
  };
}

/** The host name of a Host header, lower case, without the port; undefined when absent. */
export function hostNameOf(host: string | undefined): string | undefined {
  if (host === undefined || host.trim() === "") return undefined;
  const value = host.trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(0, value.indexOf("]") + 1);
  return value.split(":")[0]!;
}

export function isLoopbackName(name: string): boolean {
  return name === "localhost" || name.endsWith(".localhost") || name === "[::1]" || /^127(\.\d{1,3}){3}$/.test(name);
}
