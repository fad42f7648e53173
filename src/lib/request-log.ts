/**
 * One structured JSON line per request: request id, method, route pattern
 * (never the concrete path, which may carry ids), status and duration. Never a
 * name, email, phone number, token, body or SQL parameter.
 */
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppBindings } from "./types";

export const requestLog: MiddlewareHandler<AppBindings> = async (c, next) => {
  const started = Date.now();
  await next();
  const route = routePath(c, -1) || "unmatched";
  console.log(
    JSON.stringify({
      level: c.res.status >= 500 ? "error" : "info",
      type: "request",
      request_id: c.get("requestId"),
      method: c.req.method,
      route,
      status: c.res.status,
      duration_ms: Date.now() - started,
    }),
  );
};

/**
 * The log line for an error answer, 4xx and 5xx alike: its class and problem
 * code, never its message (a D1 message quotes the bound parameters, i.e.
 * patient data). 5xx are errors, 4xx warnings: the client's mistake or a refusal.
 */
export function logError(requestId: string | undefined, error: unknown, code: string, status: number): void {
  // A string names the class of an error that was answered, not thrown (a slot refusal).
  const errorClass = typeof error === "string" ? error : error instanceof Error ? error.name : typeof error;
  const line = JSON.stringify({
    level: status >= 500 ? "error" : "warn",
    type: "error",
    request_id: requestId,
    status,
    error: errorClass,
    code,
  });
  if (status >= 500) console.error(line);
  else console.warn(line);
}
