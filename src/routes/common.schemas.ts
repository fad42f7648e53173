/** Schemas shared by every resource: ids, pagination, list envelopes, booleans in query strings. */
import { z } from "@hono/zod-openapi";
import { problemResponses, type ProblemCode } from "../lib/problem";

const DECIMAL_ID = /^[1-9]\d*$/;

export const IdParams = z.object({
  id: z
    .preprocess(
      // Plain decimal digits only: z.coerce would read "1e3" as 1000 and "0x10" as 16, serving another record.
      (value) => (typeof value === "string" && DECIMAL_ID.test(value) ? Number(value) : value),
      z
        .number({ error: "must be a positive integer" })
        .int("must be a positive integer")
        .positive("must be a positive integer")
        .max(Number.MAX_SAFE_INTEGER, "must be a positive integer"),
    )
    .openapi({ param: { name: "id", in: "path" }, example: 1, type: "integer" }),
});

const REPEATED = Symbol("repeated");

/**
 * A whole number in a query string: plain decimal digits, given once. z.coerce
 * would read "1e1" as 10, "0x10" as 16 and "" as 0.
 */
export function queryInteger(min: number, max: number, digits: RegExp = /^\d+$/) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.preprocess(
    (value) => (Array.isArray(value) ? REPEATED : typeof value === "string" && digits.test(value) ? Number(value) : value),
    z
      .number({ error: (issue) => (issue.input === REPEATED ? "must be given once" : message) })
      .int(message)
      .min(min, message)
      .max(max, message),
  );
}

/** An id in a query filter: a positive integer in plain decimal digits. */
export const QueryId = queryInteger(1, Number.MAX_SAFE_INTEGER, DECIMAL_ID);

export const PaginationQuery = z.object({
  limit: queryInteger(1, 100)
    .default(20)
    .openapi({ description: "Page size, 1–100.", example: 20, type: "integer" }),
  offset: queryInteger(0, Number.MAX_SAFE_INTEGER)
    .default(0)
    .openapi({ description: "How many items to skip.", example: 0, type: "integer" }),
});

/** `true` or `false` in a query string (z.coerce.boolean would read "false" as true). */
export const QueryBoolean = z
  .enum(["true", "false"], { error: "must be true or false" })
  .transform((v) => v === "true");

/** A real calendar date `YYYY-MM-DD`. */
export const CalendarDate = z
  .string()
  .regex(/^(?!0000)\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
  }, "must be a real calendar date")
  .openapi({ format: "date", example: "2026-12-21" });

/** A 24-hour clock time `HH:MM`. */
export const ClockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a 24-hour time HH:MM")
  .openapi({ example: "09:00" });

/**
 * Examples for an optional list filter. The first one is "no filter": Swagger UI
 * pre-fills a parameter with its first example, and a pre-filled filter would
 * make "Execute" on a list answer an empty page.
 */
export function filterExamples(sample: string | number) {
  return {
    param: {
      examples: {
        none: { summary: "No filter", value: "" },
        sample: { summary: "Example", value: sample },
      },
    },
  };
}

export const Timestamp = z.string().openapi({ format: "date-time", example: "2026-12-04T08:00:00Z" });

export function listEnvelope<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      data: z.array(item),
      total: z.number().int().openapi({ example: 1 }),
      limit: z.number().int().openapi({ example: 20 }),
      offset: z.number().int().openapi({ example: 0 }),
    })
    .openapi(name);
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { "application/json": { schema } } } as const;
}

/** The problems every route may answer with, plus the route's own. */
export function errorResponses(options: { auth?: boolean; body?: boolean; id?: boolean; conflicts?: ProblemCode[]; unprocessable?: ProblemCode[] }) {
  const responses: Record<number, ReturnType<typeof problemResponses>> = {
    422: problemResponses("Invalid input", ["validation_failed", ...(options.unprocessable ?? [])]),
    500: problemResponses("Unexpected failure; nothing of the request is half-written", ["internal_error"]),
  };
  if (options.body) {
    responses[400] = problemResponses("Body is not JSON", ["malformed_json"]);
    responses[413] = problemResponses("Body over 64 KiB", ["payload_too_large"]);
    responses[415] = problemResponses("Body is not application/json", ["unsupported_media_type"]);
  }
  if (options.auth) {
    responses[401] = problemResponses("Missing or wrong token", ["unauthorized"]);
    responses[503] = problemResponses("No API tokens configured, or the outcome is unknown (retry)", ["auth_not_configured", "service_unavailable"]);
  }
  if (options.id) responses[404] = problemResponses("No such id", ["not_found"]);
  if (options.conflicts && options.conflicts.length > 0) {
    responses[409] = problemResponses("Conflicts with the booking rules or existing data", options.conflicts);
  }
  responses[429] = problemResponses("Rate limited; see Retry-After", ["rate_limited"]);
  return responses;
}
