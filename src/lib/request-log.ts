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

/** The log line for an error: its class and problem code, never its message (it may quote patient data). */
export function logError(requestId: string | undefined, error: unknown, code: string): void {
  console.error(
    JSON.stringify({
      level: "error",
      type: "error",
      request_id: requestId,
      error: error instanceof Error ? error.name : typeof error,
      code,
    }),
  );
}
