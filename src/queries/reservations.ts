/** Reservation reads in D1. Writes go through the slot's object (queries/bookings.ts). */
import { and, asc, count, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client";
import { consultationSlots, reservations, type ReservationRow, type ReservationStatus } from "../db/schema";
import { estimatedCall, type QueueTimings } from "../queue/estimates";
import type { Page, PageOf } from "./pagination";

export interface ReservationView {
  id: number;
  patient_id: number;
  consultation_slot_id: number;
  nomor_antrian: number;
  status: ReservationStatus;
  posisi: number | null;
  estimasi_dilayani: string | null;
  created_at: string;
  updated_at: string;
}

export interface ReservationFilter {
  patient_id?: number | undefined;
  consultation_slot_id?: number | undefined;
  status?: ReservationStatus | undefined;
}

export function toReservationView(row: ReservationRow, posisi: number | null = null, estimasi: string | null = null): ReservationView {
  return {
    id: row.id,
    patient_id: row.patient_id,
    consultation_slot_id: row.consultation_slot_id,
    nomor_antrian: row.nomor_antrian,
    status: row.status,
    posisi,
    estimasi_dilayani: estimasi,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export async function listReservationRows(db: Database, filter: ReservationFilter, page: Page): Promise<PageOf<ReservationRow>> {
  const conditions: SQL[] = [];
  if (filter.patient_id !== undefined) conditions.push(eq(reservations.patient_id, filter.patient_id));
  if (filter.consultation_slot_id !== undefined) {
    conditions.push(eq(reservations.consultation_slot_id, filter.consultation_slot_id));
  }
  if (filter.status !== undefined) conditions.push(eq(reservations.status, filter.status));
  const where = conditions.length > 0 ? and(...conditions) : undefined;
  const [rows, totals] = await db.batch([
    db
      .select({ row: reservations })
      .from(reservations)
      .innerJoin(consultationSlots, eq(consultationSlots.id, reservations.consultation_slot_id))
      .where(where)
      .orderBy(
        asc(consultationSlots.tanggal),
        asc(consultationSlots.waktu),
        asc(consultationSlots.id),
        asc(reservations.nomor_antrian),
      )
      .limit(page.limit)
      .offset(page.offset),
    db.select({ total: count() }).from(reservations).where(where),
  ]);
  return { data: rows.map((r) => r.row), total: totals[0]?.total ?? 0, ...page };
}

export async function findReservation(db: Database, id: number): Promise<ReservationRow | undefined> {
  return db.select().from(reservations).where(eq(reservations.id, id)).get();
}

export const PENDING: ReservationStatus[] = ["booked", "checked_in"];

/** What the queue estimates need for each slot: its schedule, waiting list and call history. */
export async function queueTimingsOfSlots(db: Database, slotIds: number[]) {
  if (slotIds.length === 0) return new Map<number, QueueTimings & { waiting: number[] }>();
  const [slots, waiting, calls] = await db.batch([
    db
      .select({
        id: consultationSlots.id,
        tanggal: consultationSlots.tanggal,
        waktu: consultationSlots.waktu,
        durasi_menit: consultationSlots.durasi_menit,
        // Qualified by hand: Drizzle would render a bare "id" inside the subquery.
        served: sql<number>`(SELECT count(*) FROM reservations r WHERE r.consultation_slot_id = "consultation_slots"."id" AND r.status = 'served')`.mapWith(Number),
      })
      .from(consultationSlots)
      .where(inArray(consultationSlots.id, slotIds)),
    db
      .select({ id: reservations.id, slotId: reservations.consultation_slot_id })
      .from(reservations)
      .where(
        and(
          inArray(reservations.consultation_slot_id, slotIds),
          inArray(reservations.status, PENDING),
          sql`${reservations.called_at} IS NULL`,
        ),
      )
      .orderBy(asc(reservations.consultation_slot_id), asc(reservations.nomor_antrian)),
    db
      .select({
        slotId: reservations.consultation_slot_id,
        count: sql<number>`count(${reservations.called_at})`.mapWith(Number),
        first: sql<string | null>`min(${reservations.called_at})`,
        last: sql<string | null>`max(${reservations.called_at})`,
      })
      .from(reservations)
      .where(inArray(reservations.consultation_slot_id, slotIds))
      .groupBy(reservations.consultation_slot_id),
  ]);
  const bySlot = new Map<number, QueueTimings & { waiting: number[] }>();
  for (const s of slots) {
    const noCalls = { count: 0, first: null, last: null };
    bySlot.set(s.id, { tanggal: s.tanggal, waktu: s.waktu, durasi_menit: s.durasi_menit, servedCount: s.served, calls: noCalls, waiting: [] });
  }
  for (const w of waiting) bySlot.get(w.slotId)?.waiting.push(w.id);
  for (const { slotId, ...history } of calls) {
    const slot = bySlot.get(slotId);
    if (slot) slot.calls = history;
  }
  return bySlot;
}

/** Reservations as the API shows them, with `posisi` and `estimasi_dilayani` for those still waiting. */
export async function describeReservations(db: Database, rows: ReservationRow[], timeZone: string, now: Date = new Date()): Promise<ReservationView[]> {
  const timings = await queueTimingsOfSlots(db, [...new Set(rows.map((r) => r.consultation_slot_id))]);
  return rows.map((row) => {
    const slot = timings.get(row.consultation_slot_id);
    const posisi = slot ? slot.waiting.indexOf(row.id) : -1;
    if (!slot || posisi < 0) return toReservationView(row);
    return toReservationView(row, posisi, estimatedCall(slot, posisi, timeZone, now));
  });
}
