import type { OpenAPIHono, RouteConfig, RouteHandler } from "@hono/zod-openapi";

export interface AppBindings {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** SHA-256 of the caller's bearer token, set by the auth middleware (scopes Idempotency-Key). */
    tokenHash: string;
  };
}

export type AppOpenAPI = OpenAPIHono<AppBindings>;
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppBindings>;
