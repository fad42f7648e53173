/**
 * Rate limiting with the Workers Rate Limiting bindings (SPEC §9): per token for
 * requests with a valid staff token, per client IP for everything else. It protects the service; it never
 * enforces capacity (that is the slot object's job). Off unless RATE_LIMIT is
 * "on": local dev, tests and benchmarks turn it off in .dev.vars / the test
 * config so they measure the service, not the limiter. Keys are hashes, so a
 * token never reaches the limiter's storage.
 */
import type { MiddlewareHandler } from "hono";
import { bearerToken, configuredTokens, isStaffToken } from "./auth";
import { sha256Hex } from "./digest";
import { ApiError } from "./problem";
import type { AppBindings } from "./types";

/** The binding's window (wrangler.toml `period`); a refused client may retry after it. */
const WINDOW_SECONDS = 60;

export const rateLimit: MiddlewareHandler<AppBindings> = async (c, next) => {
  if (c.env.RATE_LIMIT !== "on") return next();
  const token = bearerToken(c.req.header("Authorization"));
  // Only a valid token gets its own budget; a guessed one counts against the caller's IP,
  // or guessing a new token on every request would never be limited.
  const staff = token !== null && (await isStaffToken(token, configuredTokens(c.env.API_TOKENS)));
  const [limiter, key] = staff
    ? [c.env.TOKEN_RATE_LIMITER, `token:${await sha256Hex(token)}`]
    : [c.env.PUBLIC_RATE_LIMITER, `ip:${c.req.header("CF-Connecting-IP") ?? "local"}`];
  const { success } = await limiter.limit({ key });
  if (!success) {
    throw new ApiError("rate_limited", `Too many requests; retry after ${WINDOW_SECONDS} seconds.`, {
      headers: { "Retry-After": String(WINDOW_SECONDS) },
    });
  }
  return next();
};
