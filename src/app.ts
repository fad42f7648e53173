/**
 * The Hono app: middleware, every resource's routes, the docs, and the one
 * error path (`onError` + `notFound`) through which every 4xx and 5xx leaves.
 */
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { createRouter } from "./lib/create-router";
import { registerDocs } from "./lib/openapi";
import { ApiError, problemDocument, type ProblemCode } from "./lib/problem";
import { rateLimit } from "./lib/rate-limit";
import { logError, requestLog } from "./lib/request-log";
import patients from "./routes/patients/patients.index";
import queue from "./routes/queue/queue.index";
import reservations from "./routes/reservations/reservations.index";
import service from "./routes/service/service.index";
import slots from "./routes/slots/slots.index";

const MAX_BODY_BYTES = 64 * 1024;

/** What a framework-raised HTTP error means in our problem codes. */
const HTTP_EXCEPTION_CODES: Record<number, ProblemCode> = {
  400: "malformed_json",
  404: "not_found",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

const HTTP_EXCEPTION_DETAILS: Partial<Record<ProblemCode, string>> = {
  malformed_json: "The request body is not valid JSON; send a JSON object.",
  unsupported_media_type: "Send the request body as JSON with the header Content-Type: application/json.",
  payload_too_large: `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB.`,
};

export function createApp() {
  const app = createRouter();

  // Hono hands only Error instances to onError; anything else thrown (a library's
  // plain object, a string) would escape as the runtime's bare 500 with no
  // problem document and no request id. Wrapping it keeps the one error path.
  app.use("*", async (_c, next) => {
    try {
      await next();
    } catch (thrown) {
      if (thrown instanceof Error) throw thrown;
      throw new NonErrorThrown();
    }
  });
  app.use("*", requestId());
  app.use("*", requestLog);
  app.use("*", secureHeaders());
  app.use("*", async (c, next) => {
    const allowed = (c.env.CORS_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean);
    return cors({
      // An explicit allow-list; an origin not on it gets no Access-Control-Allow-Origin.
      origin: (origin) => (allowed.includes(origin) ? origin : null),
      allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"],
      allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      exposeHeaders: ["Location", "X-Request-Id", "Retry-After", "Idempotent-Replayed"],
      maxAge: 600,
    })(c, next);
  });
  app.use("*", rateLimit);
  app.use("*", async (c, next) => {
    await next();
    // Nothing the API answers may be kept by a shared cache: most of it is patient data.
    if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError("payload_too_large", HTTP_EXCEPTION_DETAILS.payload_too_large!);
      },
    }),
  );

  app.use("*", async (c, next) => {
    const type = c.req.header("Content-Type") ?? "";
    if (/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
      // JSON is UTF-8 (RFC 8259), whatever charset a client names; decoding leniently
      // would store U+FFFD in place of invalid bytes instead of refusing them.
      try {
        new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await c.req.arrayBuffer());
      } catch (error) {
        if (error instanceof ApiError) throw error;
        throw new ApiError("malformed_json", "The request body is not valid UTF-8; send JSON encoded as UTF-8.");
      }
    }
    await next();
  });

  app.route("/", service);
  app.route("/", slots);
  app.route("/", patients);
  app.route("/", reservations);
  app.route("/", queue);
  registerDocs(app);

  app.notFound((c) => {
    throw new ApiError("not_found", `Nothing at ${c.req.method} ${new URL(c.req.url).pathname}; see /docs for the routes.`);
  });

  app.onError((error, c) => {
    let problem: ApiError;
    if (error instanceof ApiError) {
      problem = error;
    } else if (error instanceof HTTPException) {
      // bearerAuth's 401 is already our problem response, with WWW-Authenticate.
      if (error.status === 401) {
        logError(c.get("requestId"), error, "unauthorized", 401);
        return error.getResponse();
      }
      const code = HTTP_EXCEPTION_CODES[error.status] ?? "internal_error";
      problem = new ApiError(code, HTTP_EXCEPTION_DETAILS[code] ?? PROBLEM_FALLBACK);
    } else {
      problem = new ApiError("internal_error", PROBLEM_FALLBACK);
    }
    logError(c.get("requestId"), error, problem.code, problem.status);
    for (const [name, value] of Object.entries(problem.options.headers ?? {})) c.header(name, value);
    c.header("Content-Type", "application/problem+json");
    return c.body(
      JSON.stringify(problemDocument(problem.code, problem.detail, problem.options.errors)),
      problem.status as ContentfulStatusCode,
    );
  });

  return app;
}

class NonErrorThrown extends Error {
  override name = "NonErrorThrown";
}

const PROBLEM_FALLBACK =
  "Something went wrong on our side; nothing was half-written. Retry, and quote the X-Request-Id if it persists.";
