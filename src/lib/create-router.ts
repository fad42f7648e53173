import { OpenAPIHono } from "@hono/zod-openapi";
import type { z } from "zod";
import { ApiError, type FieldError } from "./problem";
import type { AppBindings } from "./types";

/** Fields the server owns; sending one is refused with a message that says so. */
const READ_ONLY_FIELDS = new Set([
  "id",
  "nomor_antrian",
  "terisi",
  "sisa_kuota",
  "dapat_dipesan",
  "nomor_terakhir",
  "sedang_dilayani",
  "posisi",
  "estimasi_dilayani",
  "called_at",
  "created_at",
  "updated_at",
]);

const TARGET_NAMES: Record<string, string> = { json: "body", query: "query", param: "path", header: "header" };

export function fieldErrors(error: z.ZodError, target: string): FieldError[] {
  const where = TARGET_NAMES[target] ?? target;
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        errors.push({
          path: base ? `${base}.${key}` : key,
          message: READ_ONLY_FIELDS.has(key)
            ? `${key} is read-only: the server sets it`
            : `Unknown field ${key} in ${where}`,
        });
      }
      continue;
    }
    const missing = issue.code === "invalid_type" && issue.message.endsWith("received undefined");
    const path = base || where;
    // zod reports every failed check of a field (a date's shape, then its calendar);
    // the client gets one entry per field, the first one being the most basic.
    if (errors.some((e) => e.path === path)) continue;
    errors.push({ path, message: missing ? "is required" : issue.message });
  }
  return errors;
}

/**
 * Every router is made here so that one validation hook serves every route:
 * an invalid body, query or path parameter becomes a 422 `validation_failed`
 * problem listing each field.
 */
export function createRouter() {
  return new OpenAPIHono<AppBindings>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) {
        const errors = fieldErrors(result.error, result.target);
        const where = TARGET_NAMES[result.target] ?? result.target;
        throw new ApiError(
          "validation_failed",
          `The request ${where} is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}.`,
          { errors },
        );
      }
    },
  });
}
