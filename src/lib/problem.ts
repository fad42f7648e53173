/**
 * One error shape for the whole API: RFC 9457 problem documents with a stable
 * `code`. Handlers and middleware throw `ApiError`; `onError` and `notFound`
 * in app.ts are the only places that turn errors into responses.
 */
import { z } from "@hono/zod-openapi";

/** Every problem the API can answer with: its HTTP status and a short title. */
export const PROBLEMS = {
  malformed_json: { status: 400, title: "Malformed JSON" },
  unauthorized: { status: 401, title: "Unauthorized" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  email_taken: { status: 409, title: "Email already registered" },
  has_pending_reservations: { status: 409, title: "Pending reservations exist" },
  slot_full: { status: 409, title: "Slot full" },
  slot_closed: { status: 409, title: "Slot closed" },
  slot_in_past: { status: 409, title: "Slot already started" },
  duplicate_reservation: { status: 409, title: "Already booked" },
  kuota_below_terisi: { status: 409, title: "Kuota below places taken" },
  invalid_transition: { status: 409, title: "Invalid status change" },
  queue_empty: { status: 409, title: "Queue empty" },
  idempotency_key_in_use: { status: 409, title: "Idempotency key in use" },
  payload_too_large: { status: 413, title: "Payload too large" },
  upgrade_required: { status: 426, title: "Upgrade required" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  validation_failed: { status: 422, title: "Validation failed" },
  patient_not_found: { status: 422, title: "Patient not found" },
  slot_not_found: { status: 422, title: "Slot not found" },
  idempotency_key_reused: { status: 422, title: "Idempotency key reused" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal_error: { status: 500, title: "Internal server error" },
  auth_not_configured: { status: 503, title: "Authentication not configured" },
  service_unavailable: { status: 503, title: "Service unavailable" },
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  errors?: FieldError[];
}

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = "ApiError";
    this.status = PROBLEMS[code].status;
  }
}

export function problemDocument(code: ProblemCode, detail: string, errors?: FieldError[]): ProblemDocument {
  const { status, title } = PROBLEMS[code];
  return {
    type: `urn:antrian:problem:${code}`,
    title,
    status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

export function problemResponse(
  code: ProblemCode,
  detail: string,
  options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
): Response {
  const body = problemDocument(code, detail, options.errors);
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { "Content-Type": "application/problem+json", ...options.headers },
  });
}

/** The OpenAPI description of a problem document, shared by every error response. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "urn:antrian:problem:slot_full" }),
    title: z.string().openapi({ example: "Slot full" }),
    status: z.number().int().openapi({ example: 409 }),
    detail: z.string().openapi({ example: "Consultation slot 12 has no places left (kuota 20)." }),
    code: z.enum(Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]]).openapi({ example: "slot_full" }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ example: [{ path: "email", message: "Invalid email address" }] }),
  })
  .openapi("Problem");

/** An OpenAPI response entry for the problems a route may answer with. */
export function problemResponses(description: string, codes: ProblemCode[]) {
  return {
    description: `${description} (code: ${codes.join(", ")})`,
    content: {
      "application/problem+json": {
        schema: ProblemSchema,
        example: problemDocument(codes[0]!, exampleDetail(codes[0]!)),
      },
    },
  };
}

function exampleDetail(code: ProblemCode): string {
  return `${PROBLEMS[code].title}.`;
}
