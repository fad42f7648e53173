/**
 * The database schema: the one place that says what D1 holds.
 * Field names are the original design's (Indonesian domain words, English keys).
 * `drizzle-kit generate` turns this file into the SQL under migrations/.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** ISO-8601 in UTC with `T` and `Z`, to the second: `2026-12-04T15:00:00Z`. */
const nowIso = sql`(strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))`;

const timestamps = {
  created_at: text("created_at").notNull().default(nowIso),
  updated_at: text("updated_at").notNull().default(nowIso),
};

export const RESERVATION_STATUSES = ["booked", "checked_in", "served", "no_show", "cancelled"] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

export const patients = sqliteTable(
  "patients",
  {
    // AUTOINCREMENT so an erased patient's id is never given to someone else.
    id: integer("id").primaryKey({ autoIncrement: true }),
    nama: text("nama").notNull(),
    email: text("email").notNull(),
    nomor_telepon: text("nomor_telepon").notNull(),
    ...timestamps,
  },
  (t) => [
    // Emails are unique ignoring case; the address is kept as the patient wrote it.
    uniqueIndex("patients_email_lower_unique").on(sql`lower(${t.email})`),
    check("patients_nama_length", sql`length(${t.nama}) BETWEEN 1 AND 100`),
  ],
);

export const consultationSlots = sqliteTable(
  "consultation_slots",
  {
    // AUTOINCREMENT: a deleted slot's id (and so its Durable Object) is never reused.
    id: integer("id").primaryKey({ autoIncrement: true }),
    tanggal: text("tanggal").notNull(),
    waktu: text("waktu").notNull(),
    kuota: integer("kuota").notNull().default(20),
    ketersediaan: integer("ketersediaan", { mode: "boolean" }).notNull().default(true),
    durasi_menit: integer("durasi_menit").notNull().default(10),
    /**
     * The last queue number issued in this slot. It only goes up, so numbers
     * of cancelled or deleted reservations are never handed out again; the
     * booking batch takes the next number from it inside the same statement.
     */
    nomor_terakhir: integer("nomor_terakhir").notNull().default(0),
    /** The number being served now (null before the first call). */
    sedang_dilayani: integer("sedang_dilayani"),
    ...timestamps,
  },
  (t) => [
    index("consultation_slots_schedule").on(t.tanggal, t.waktu, t.id),
    check("consultation_slots_kuota_range", sql`${t.kuota} BETWEEN 1 AND 1000`),
    check("consultation_slots_durasi_range", sql`${t.durasi_menit} BETWEEN 1 AND 240`),
    check("consultation_slots_nomor_terakhir", sql`${t.nomor_terakhir} >= 0`),
  ],
);

export const reservations = sqliteTable(
  "reservations",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    // ON DELETE CASCADE: erasing a patient or deleting a slot takes its
    // (non-pending) reservations with it; pending ones block the delete first.
    patient_id: integer("patient_id")
      .notNull()
      .references(() => patients.id, { onDelete: "cascade" }),
    consultation_slot_id: integer("consultation_slot_id")
      .notNull()
      .references(() => consultationSlots.id, { onDelete: "cascade" }),
    nomor_antrian: integer("nomor_antrian").notNull(),
    status: text("status", { enum: RESERVATION_STATUSES }).notNull().default("booked"),
    /** When staff called this reservation (queue "next"); null until then. */
    called_at: text("called_at"),
    ...timestamps,
  },
  (t) => [
    // Rule 1: no two reservations in a slot share a number, whatever the object does.
    uniqueIndex("reservations_slot_nomor_unique").on(t.consultation_slot_id, t.nomor_antrian),
    // Rule 4: one place per patient per slot; cancelled ones do not count.
    uniqueIndex("reservations_slot_patient_active_unique")
      .on(t.consultation_slot_id, t.patient_id)
      .where(sql`${t.status} <> 'cancelled'`),
    index("reservations_patient").on(t.patient_id, t.status),
    index("reservations_slot_status").on(t.consultation_slot_id, t.status),
    check("reservations_nomor_positive", sql`${t.nomor_antrian} >= 1`),
    check(
      "reservations_status_known",
      sql`${t.status} IN ('booked', 'checked_in', 'served', 'no_show', 'cancelled')`,
    ),
  ],
);

/**
 * Idempotency-Key records for POST /reservations, scoped to a hash of the
 * caller's token. `response_status` is null while the first request is in flight.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    token_hash: text("token_hash").notNull(),
    idempotency_key: text("idempotency_key").notNull(),
    request_hash: text("request_hash").notNull(),
    response_status: integer("response_status"),
    response_body: text("response_body"),
    response_location: text("response_location"),
    created_at: text("created_at").notNull().default(nowIso),
  },
  (t) => [
    uniqueIndex("idempotency_keys_scope").on(t.token_hash, t.idempotency_key),
    index("idempotency_keys_created").on(t.created_at),
  ],
);

export type Patient = typeof patients.$inferSelect;
export type ConsultationSlotRow = typeof consultationSlots.$inferSelect;
export type ReservationRow = typeof reservations.$inferSelect;
