import { z } from "@hono/zod-openapi";
import { filterExamples, PaginationQuery, Timestamp } from "../common.schemas";

/** Indonesian mobile/landline forms (08…, +62…, 62…) or any E.164 number; spaces, dashes, dots and brackets allowed. */
const PHONE_DIGITS = /^(?:(?:\+?62|0)[1-9]\d{6,12}|\+(?!62)[1-9]\d{7,14})$/;

export const Nama = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(100, "must be at most 100 characters")
  // Control characters have no place in a name; NUL would also cut SQLite's length() short.
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), "must not contain control characters")
  .openapi({ example: "Siti Rahayu" });

export const Email = z
  .string()
  .trim()
  .max(254, "must be at most 254 characters")
  .pipe(z.email("must be a valid email address"))
  .openapi({ example: "siti.rahayu@example.co.id" });

export const NomorTelepon = z
  .string()
  .trim()
  .max(30, "must be at most 30 characters")
  .refine(
    (value) =>
      /^[+(\d][\d\s().-]*$/.test(value) && !/([\s.-])\1/.test(value) && PHONE_DIGITS.test(value.replace(/[\s().-]/g, "")),
    { message: "must be a phone number such as 081234567890 or +6281234567890" },
  )
  .openapi({ example: "0812-3456-7890" });

export const PatientInput = z
  .strictObject({ nama: Nama, email: Email, nomor_telepon: NomorTelepon })
  .openapi("PatientInput", {
    example: { nama: "Siti Rahayu", email: "siti.rahayu@example.co.id", nomor_telepon: "0812-3456-7890" },
  });

export const PatientPatch = z
  .strictObject({ nama: Nama.optional(), email: Email.optional(), nomor_telepon: NomorTelepon.optional() })
  .openapi("PatientPatch", { example: { nomor_telepon: "+6281298765432" } });

export const PatientSchema = z
  .object({
    id: z.number().int().openapi({ example: 1 }),
    nama: z.string(),
    email: z.string(),
    nomor_telepon: z.string(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("Patient", {
    example: {
      id: 1,
      nama: "Siti Rahayu",
      email: "siti.rahayu@example.co.id",
      nomor_telepon: "0812-3456-7890",
      created_at: "2026-12-04T08:00:00Z",
      updated_at: "2026-12-04T08:00:00Z",
    },
  });

export const PatientListQuery = PaginationQuery.extend({
  q: z
    .string()
    .max(100, "must be at most 100 characters")
    // A NUL would cut SQLite's LIKE pattern short and match every patient.
    .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), "must not contain control characters")
    .optional()
    .openapi({ description: "Substring of nama, email or nomor_telepon (case-insensitive).", ...filterExamples("siti") }),
});
