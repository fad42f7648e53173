import { z } from "@hono/zod-openapi";
import { CalendarDate, ClockTime, filterExamples, PaginationQuery, QueryBoolean, Timestamp } from "../common.schemas";

const Kuota = z
  .number({ error: "must be an integer from 1 to 1000" })
  .int("must be an integer from 1 to 1000")
  .min(1, "must be at least 1")
  .max(1000, "must be at most 1000")
  .openapi({ example: 20, description: "Places in the slot, 1–1000." });

const Ketersediaan = z.boolean({ error: "must be true or false" }).openapi({
  example: true,
  description: "The staff switch: whether the slot is offered for booking. A full slot stays true.",
});

const DurasiMenit = z
  .number({ error: "must be an integer from 1 to 240" })
  .int("must be an integer from 1 to 240")
  .min(1, "must be at least 1")
  .max(240, "must be at most 240")
  .openapi({ example: 10, description: "Minutes per patient, used for queue estimates before real timings exist." });

const slotExample = { tanggal: "2026-12-21", waktu: "09:00", kuota: 20, ketersediaan: true, durasi_menit: 10 };

export const SlotInput = z
  .strictObject({
    tanggal: CalendarDate,
    waktu: ClockTime,
    kuota: Kuota.default(20),
    ketersediaan: Ketersediaan.default(true),
    durasi_menit: DurasiMenit.default(10),
  })
  .openapi("ConsultationSlotInput", { example: slotExample });

export const SlotPatch = z
  .strictObject({
    tanggal: CalendarDate.optional(),
    waktu: ClockTime.optional(),
    kuota: Kuota.optional(),
    ketersediaan: Ketersediaan.optional(),
    durasi_menit: DurasiMenit.optional(),
  })
  .openapi("ConsultationSlotPatch", { example: { kuota: 30 } });

export const SlotSchema = z
  .object({
    id: z.number().int(),
    tanggal: z.string().openapi({ format: "date" }),
    waktu: z.string(),
    kuota: z.number().int(),
    durasi_menit: z.number().int(),
    ketersediaan: z.boolean(),
    terisi: z.number().int().openapi({ description: "Reservations holding a place (every status but cancelled)." }),
    sisa_kuota: z.number().int().openapi({ description: "kuota − terisi" }),
    dapat_dipesan: z.boolean().openapi({
      description: "Whether a booking would be accepted now: ketersediaan, a place left, and the start still ahead (clinic time).",
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("ConsultationSlot", {
    example: {
      id: 1,
      ...slotExample,
      terisi: 3,
      sisa_kuota: 17,
      dapat_dipesan: true,
      created_at: "2026-12-04T08:00:00Z",
      updated_at: "2026-12-04T08:00:00Z",
    },
  });

const DateFilter = (description: string) => CalendarDate.optional().openapi({ description, ...filterExamples("2026-12-21") });

export const SlotListQuery = PaginationQuery.extend({
  tanggal: DateFilter("Only slots on this date."),
  dari: DateFilter("Only slots on or after this date."),
  sampai: DateFilter("Only slots on or before this date."),
  ketersediaan: QueryBoolean.optional().openapi({ description: "Filter on the staff switch (true or false).", ...filterExamples("true") }),
  dapat_dipesan: QueryBoolean.optional().openapi({
    description: "Only slots that can (true) or cannot (false) be booked now.",
    ...filterExamples("true"),
  }),
}).refine((q) => !q.dari || !q.sampai || q.dari <= q.sampai, {
  message: "dari must not be after sampai",
  path: ["dari"],
});
