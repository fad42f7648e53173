/** Patient records in D1. Knows SQL, nothing of HTTP. */
import { and, asc, count, eq, inArray, like, or, sql, type SQL } from "drizzle-orm";
import { isoNow } from "../lib/clinic-time";
import type { Database } from "../db/client";
import { patients, reservations, type Patient } from "../db/schema";
import type { Page, PageOf } from "./pagination";

export interface PatientFields {
  nama: string;
  email: string;
  nomor_telepon: string;
}

export const PENDING_STATUSES = ["booked", "checked_in"] as const;

/** Escapes LIKE wildcards so `q` matches as a plain substring. */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

export async function listPatients(db: Database, filter: { q?: string | undefined }, page: Page): Promise<PageOf<Patient>> {
  const conditions: SQL[] = [];
  if (filter.q) {
    const pattern = likePattern(filter.q);
    conditions.push(
      or(
        sql`${patients.nama} LIKE ${pattern} ESCAPE '\\'`,
        sql`${patients.email} LIKE ${pattern} ESCAPE '\\'`,
        sql`${patients.nomor_telepon} LIKE ${pattern} ESCAPE '\\'`,
      )!,
    );
  }
  const where = conditions.length > 0 ? and(...conditions) : undefined;
  const [rows, totals] = await db.batch([
    db.select().from(patients).where(where).orderBy(asc(patients.id)).limit(page.limit).offset(page.offset),
    db.select({ total: count() }).from(patients).where(where),
  ]);
  return { data: rows, total: totals[0]?.total ?? 0, ...page };
}

export async function findPatient(db: Database, id: number): Promise<Patient | undefined> {
  return db.select().from(patients).where(eq(patients.id, id)).get();
}

export async function insertPatient(db: Database, fields: PatientFields): Promise<Patient> {
  const now = isoNow();
  const [row] = await db
    .insert(patients)
    .values({ ...fields, created_at: now, updated_at: now })
    .returning();
  return row!;
}

export async function updatePatient(db: Database, id: number, fields: Partial<PatientFields>): Promise<Patient | undefined> {
  const [row] = await db
    .update(patients)
    .set({ ...fields, updated_at: isoNow() })
    .where(eq(patients.id, id))
    .returning();
  return row;
}

export type PatientErasure =
  | { outcome: "deleted"; slotIds: number[] }
  | { outcome: "not_found" }
  | { outcome: "has_pending_reservations"; pending: number };

/**
 * Erases a patient and (by cascade) their non-pending reservations, in one
 * statement whose WHERE refuses while any reservation is pending, so a booking
 * racing with the erasure either lands first (and blocks it) or fails its
 * foreign key. Returns the slots whose reservations went, so their objects can
 * reload their counts.
 */
export async function erasePatient(db: Database, id: number): Promise<PatientErasure> {
  const [affected, deleted] = await db.batch([
    db
      .selectDistinct({ slotId: reservations.consultation_slot_id })
      .from(reservations)
      .where(eq(reservations.patient_id, id)),
    db
      .delete(patients)
      .where(
        and(
          eq(patients.id, id),
          sql`NOT EXISTS (SELECT 1 FROM reservations r WHERE r.patient_id = ${id} AND r.status IN ('booked', 'checked_in'))`,
        ),
      )
      .returning({ id: patients.id }),
  ]);
  if (deleted.length > 0) return { outcome: "deleted", slotIds: affected.map((r) => r.slotId) };
  const exists = await findPatient(db, id);
  if (!exists) return { outcome: "not_found" };
  const [pending] = await db
    .select({ n: count() })
    .from(reservations)
    .where(and(eq(reservations.patient_id, id), inArray(reservations.status, [...PENDING_STATUSES])));
  return { outcome: "has_pending_reservations", pending: pending?.n ?? 0 };
}
