import { z } from "@hono/zod-openapi";
import { RESERVATION_STATUSES } from "../../db/schema";
import { filterExamples, PaginationQuery, QueryId, Timestamp } from "../common.schemas";

const ReferenceId = (what: string) =>
  z
    .number({ error: `must be the integer id of a ${what}` })
    .int(`must be the integer id of a ${what}`)
    .positive(`must be the integer id of a ${what}`)
    .max(Number.MAX_SAFE_INTEGER, `must be the integer id of a ${what}`);

const Status = z.enum(RESERVATION_STATUSES, { error: `must be one of ${RESERVATION_STATUSES.join(", ")}` });

export const BookingInput = z
  .strictObject({
    patient_id: ReferenceId("patient").openapi({ example: 1 }),
    consultation_slot_id: ReferenceId("consultation slot").openapi({ example: 1 }),
  })
  .openapi("BookingInput", { example: { patient_id: 1, consultation_slot_id: 1 } });

export const ReservationPatch = z
  .strictObject({
    status: Status.optional().openapi({ example: "checked_in" }),
    consultation_slot_id: ReferenceId("consultation slot").optional().openapi({ example: 2 }),
  })
  .superRefine((body, ctx) => {
    const sent = [body.status, body.consultation_slot_id].filter((v) => v !== undefined).length;
    if (sent === 1) return;
    ctx.addIssue({
      code: "custom",
      message:
        sent === 0
          ? "send status (to change the status) or consultation_slot_id (to move to another slot)"
          : "send status or consultation_slot_id, not both: change the status and move in two requests",
    });
  })
  .openapi("ReservationPatch", { example: { status: "checked_in" } });

export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1, "must be 1–255 characters")
    .max(255, "must be 1–255 characters")
    .optional()
    .openapi({
      // Hono hands header names to the validator in lower case; the document must use the same name.
      // The first example is "no key": Swagger UI pre-fills the first one, and a pre-filled key
      // would make every later booking from the docs page a 422 idempotency_key_reused.
      param: {
        name: "idempotency-key",
        in: "header",
        examples: {
          none: { summary: "No key", value: "" },
          sample: { summary: "Example", value: "5f1c2a9e-booking-siti-1" },
        },
      },
      description:
        "Repeating a booking with the same key and body within 24 hours replays the first answer (header Idempotent-Replayed: true) instead of booking again.",
    }),
});

export const ReservationSchema = z
  .object({
    id: z.number().int(),
    patient_id: z.number().int(),
    consultation_slot_id: z.number().int(),
    nomor_antrian: z.number().int().openapi({ description: "Queue number in the slot, assigned by the server; only goes up." }),
    status: Status,
    posisi: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Patients to be called before this one (0 = next); null unless waiting." }),
    estimasi_dilayani: Timestamp.nullable().openapi({ description: "Estimated call time; null unless waiting." }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("Reservation", {
    example: {
      id: 1,
      patient_id: 1,
      consultation_slot_id: 1,
      nomor_antrian: 7,
      status: "booked",
      posisi: 6,
      estimasi_dilayani: "2026-12-21T03:00:00Z",
      created_at: "2026-12-04T08:00:00Z",
      updated_at: "2026-12-04T08:00:00Z",
    },
  });

export const ReservationListQuery = PaginationQuery.extend({
  patient_id: QueryId.optional().openapi({ type: "integer", description: "Only this patient's reservations.", ...filterExamples(1) }),
  consultation_slot_id: QueryId.optional().openapi({ type: "integer", description: "Only this slot's reservations.", ...filterExamples(1) }),
  status: Status.optional().openapi({ description: "Only reservations with this status.", ...filterExamples("booked") }),
});
