/**
 * The queue of one slot on the day (SPEC §10), in D1. Only the slot's object
 * writes here (calls), one at a time; status reads are single consistent batches.
 */
import type { ReservationRow } from "../db/schema";
import type { CallHistory } from "../queue/estimates";

/** The calls of slot ?1: how many, the first and the last. */
export const CALL_HISTORY_SQL =
  "SELECT count(called_at) AS calls, min(called_at) AS first_call, max(called_at) AS last_call FROM reservations WHERE consultation_slot_id = ?1";

export interface CallHistoryRow {
  calls: number;
  first_call: string | null;
  last_call: string | null;
}

export function callHistoryOf(row: CallHistoryRow | undefined): CallHistory {
  return { count: row?.calls ?? 0, first: row?.first_call ?? null, last: row?.last_call ?? null };
}

export interface QueueFacts {
  slot: { id: number; kuota: number; nomor_terakhir: number; sedang_dilayani: number | null; tanggal: string; waktu: string; durasi_menit: number; updated_at: string };
  terisi: number;
  /** Numbers of pending reservations not yet called, in the order they will be called. */
  waiting: number[];
  calls: CallHistory;
  servedCount: number;
  lastReservationChange: string | null;
}

export async function loadQueueFacts(d1: D1Database, slotId: number): Promise<QueueFacts | null> {
  const [slot, counts, waiting, calls] = await d1.batch([
    d1
      .prepare(
        "SELECT id, kuota, nomor_terakhir, sedang_dilayani, tanggal, waktu, durasi_menit, updated_at FROM consultation_slots WHERE id = ?1",
      )
      .bind(slotId),
    d1
      .prepare(
        `SELECT
           sum(status <> 'cancelled') AS terisi,
           sum(status = 'served') AS served,
           max(updated_at) AS last_change
         FROM reservations WHERE consultation_slot_id = ?1`,
      )
      .bind(slotId),
    d1
      .prepare(
        `SELECT nomor_antrian FROM reservations
         WHERE consultation_slot_id = ?1 AND status IN ('booked', 'checked_in') AND called_at IS NULL
         ORDER BY nomor_antrian`,
      )
      .bind(slotId),
    d1.prepare(CALL_HISTORY_SQL).bind(slotId),
  ]);
  const slotRow = slot?.results[0] as QueueFacts["slot"] | undefined;
  if (!slotRow) return null;
  const count = counts?.results[0] as { terisi: number | null; served: number | null; last_change: string | null } | undefined;
  return {
    slot: slotRow,
    terisi: count?.terisi ?? 0,
    servedCount: count?.served ?? 0,
    lastReservationChange: count?.last_change ?? null,
    waiting: ((waiting?.results ?? []) as { nomor_antrian: number }[]).map((r) => r.nomor_antrian),
    calls: callHistoryOf(calls?.results[0] as CallHistoryRow | undefined),
  };
}

/** The next reservation to call: the lowest-numbered pending one after the current number, not yet called. */
export async function findNextToCall(d1: D1Database, slotId: number, after: number): Promise<ReservationRow | null> {
  return d1
    .prepare(
      `SELECT * FROM reservations
       WHERE consultation_slot_id = ?1 AND status IN ('booked', 'checked_in') AND called_at IS NULL AND nomor_antrian > ?2
       ORDER BY nomor_antrian LIMIT 1`,
    )
    .bind(slotId, after)
    .first<ReservationRow>();
}

/**
 * Calls `next` in one atomic batch: the one being served until now becomes
 * `served` (unless staff already gave it a final status), `next` is marked
 * called (keeping its status) and becomes the slot's current number.
 * Returns the called reservation, or null if it changed meanwhile.
 */
export async function recordCall(
  d1: D1Database,
  slotId: number,
  current: number | null,
  next: ReservationRow,
  now: string,
): Promise<{ called: ReservationRow | null; finished: ReservationRow | null }> {
  const [finished, called] = await d1.batch([
    d1
      .prepare(
        `UPDATE reservations SET status = 'served', updated_at = ?3
         WHERE consultation_slot_id = ?1 AND nomor_antrian = ?2 AND status IN ('booked', 'checked_in') RETURNING *`,
      )
      .bind(slotId, current ?? -1, now),
    d1
      .prepare(
        `UPDATE reservations SET called_at = ?3, updated_at = ?3
         WHERE id = ?2 AND consultation_slot_id = ?1 AND status IN ('booked', 'checked_in') AND called_at IS NULL RETURNING *`,
      )
      .bind(slotId, next.id, now),
    d1
      .prepare(
        `UPDATE consultation_slots SET sedang_dilayani = ?2
         WHERE id = ?1 AND EXISTS (SELECT 1 FROM reservations WHERE id = ?3 AND called_at = ?4)`,
      )
      .bind(slotId, next.nomor_antrian, next.id, now),
  ]);
  return {
    finished: (finished?.results[0] as ReservationRow | undefined) ?? null,
    called: (called?.results[0] as ReservationRow | undefined) ?? null,
  };
}
