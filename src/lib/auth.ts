/**
 * Bearer-token auth for staff routes (SPEC §7). Valid tokens are the
 * comma-separated `API_TOKENS` secret, so a token can be rotated without
 * downtime (add the new one, deploy clients, remove the old one). Hono's
 * bearerAuth compares each candidate in constant time, hashing both sides
 * first so that lengths leak nothing either.
 */
import type { MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { timingSafeEqual } from "hono/utils/buffer";
import { sha256Hex } from "./digest";
import { ApiError, problemResponse } from "./problem";
import type { AppBindings } from "./types";

export function configuredTokens(secret: string | undefined): string[] {
  return (secret ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

const CHALLENGE = 'Bearer realm="antrian"';

/** Whether `token` is one of the configured ones. Every candidate is compared, so timing does not reveal which one matched. */
export async function isStaffToken(token: string, tokens: string[]): Promise<boolean> {
  let valid = false;
  for (const candidate of tokens) {
    if (await timingSafeEqual(candidate, token)) valid = true;
  }
  return valid;
}

/** The token of an `Authorization: Bearer …` header (scheme case-insensitive), or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^bearer +(\S+)\s*$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

function unauthorized(): Response {
  return problemResponse(
    "unauthorized",
    "This route needs a staff token: send the header Authorization: Bearer <token>.",
    { headers: { "WWW-Authenticate": CHALLENGE } },
  );
}

export const requireStaffToken: MiddlewareHandler<AppBindings> = async (c, next) => {
  const tokens = configuredTokens(c.env.API_TOKENS);
  if (tokens.length === 0) {
    // A deployment without the secret is closed, not open.
    throw new ApiError(
      "auth_not_configured",
      "No API tokens are configured on this deployment; set the API_TOKENS secret (wrangler secret put API_TOKENS).",
    );
  }
  const check = bearerAuth<AppBindings>({
    realm: "antrian",
    verifyToken: async (token, ctx) => {
      const valid = await isStaffToken(token, tokens);
      if (valid) ctx.set("tokenHash", await sha256Hex(token));
      return valid;
    },
    noAuthenticationHeader: { message: unauthorized, wwwAuthenticateHeader: CHALLENGE },
    invalidAuthenticationHeader: { message: unauthorized, wwwAuthenticateHeader: CHALLENGE },
    invalidToken: { message: unauthorized, wwwAuthenticateHeader: CHALLENGE },
  });
  return check(c, next);
};

/** Spread into a `createRoute` config: the route needs a staff token, and says so in the docs. */
export const staffOnly = {
  security: [{ bearerAuth: [] as string[] }],
  middleware: [requireStaffToken] as [typeof requireStaffToken],
};
