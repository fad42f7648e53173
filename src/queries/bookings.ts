/**
 * The SQL behind every change to a slot's places. Only the slot's Durable
 * Object calls these, one at a time; each write is a single statement or one
 * atomic D1 batch whose SQL enforces the booking rules itself (SPEC §5), so a
 * stale object, a restarted object or two copies of one object can refuse too
 * much but never admit too much.
 */
import type { ConsultationSlotRow, ReservationRow, ReservationStatus } from "../db/schema";
import type { CallHistory } from "../queue/estimates";
import { CALL_HISTORY_SQL, callHistoryOf, type CallHistoryRow } from "./queue";

/** What the slot object keeps in memory, loaded from D1 on first use. */
export interface SlotSnapshot {
  slot: ConsultationSlotRow;
  /** Patients holding a place (any status but cancelled): terisi = holders.length. */
  holders: number[];
}

interface RawSlotRow extends Omit<ConsultationSlotRow, "ketersediaan"> {
  ketersediaan: number | boolean;
}

function slotFromRaw(raw: RawSlotRow): ConsultationSlotRow {
  return { ...raw, ketersediaan: Boolean(raw.ketersediaan) };
}

export async function loadSlotSnapshot(d1: D1Database, slotId: number): Promise<SlotSnapshot | null> {
  const [slotResult, holderResult] = await d1.batch([
    d1.prepare("SELECT * FROM consultation_slots WHERE id = ?1").bind(slotId),
    d1
      .prepare("SELECT patient_id FROM reservations WHERE consultation_slot_id = ?1 AND status <> 'cancelled'")
      .bind(slotId),
  ]);
  const raw = (slotResult?.results[0] ?? null) as RawSlotRow | null;
  if (!raw) return null;
  const holders = ((holderResult?.results ?? []) as { patient_id: number }[]).map((r) => r.patient_id);
  return { slot: slotFromRaw(raw), holders };
}

/** The guard every admission shares: slot open, start still ahead, a place free. */
const ADMISSION_GUARD = `s.ketersediaan = 1
  AND (s.tanggal || 'T' || s.waktu) > ?clinicNow
  AND (SELECT count(*) FROM reservations r WHERE r.consultation_slot_id = s.id AND r.status <> 'cancelled') < s.kuota`;

/** Raises the slot's last-issued number to cover what the batch just wrote; never lowers it. */
const BUMP_NOMOR_TERAKHIR = `UPDATE consultation_slots
  SET nomor_terakhir = max(nomor_terakhir, coalesce((SELECT max(nomor_antrian) FROM reservations WHERE consultation_slot_id = ?1), 0))
  WHERE id = ?1`;

/** Where a new booking stands in its slot's queue, read in the same batch that wrote it. */
export interface PlaceInQueue {
  /** Waiting reservations (pending, not yet called) with a lower number: the new one's `posisi`. */
  ahead: number;
  servedCount: number;
  calls: CallHistory;
}

/**
 * Books a place: the number is the slot row's `nomor_terakhir + 1`, read inside
 * the same batch that raises it; the insert only happens while the guard holds.
 * The batch also reads where the new reservation stands in the queue, so the
 * answer needs no second round trip. Returns null when the guard refused (the
 * caller's view of the slot was stale). A duplicate patient or a missing
 * patient fails a constraint and throws.
 */
export async function insertBooking(
  d1: D1Database,
  slotId: number,
  patientId: number,
  clinicNow: string,
  now: string,
): Promise<{ reservation: ReservationRow; place: PlaceInQueue } | null> {
  const [inserted, , place, calls] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO reservations (patient_id, consultation_slot_id, nomor_antrian, status, created_at, updated_at)
         SELECT ?2, s.id, s.nomor_terakhir + 1, 'booked', ?4, ?4 FROM consultation_slots s
         WHERE s.id = ?1 AND ${ADMISSION_GUARD.replace("?clinicNow", "?3")}
         RETURNING *`,
      )
      .bind(slotId, patientId, clinicNow, now),
    d1.prepare(BUMP_NOMOR_TERAKHIR).bind(slotId),
    d1
      .prepare(
        `SELECT
           (SELECT count(*) FROM reservations r WHERE r.consultation_slot_id = s.id AND r.status IN ('booked', 'checked_in')
              AND r.called_at IS NULL AND r.nomor_antrian < s.nomor_terakhir) AS ahead,
           (SELECT count(*) FROM reservations r WHERE r.consultation_slot_id = s.id AND r.status = 'served') AS served
         FROM consultation_slots s WHERE s.id = ?1`,
      )
      .bind(slotId),
    d1.prepare(CALL_HISTORY_SQL).bind(slotId),
  ]);
  const reservation = (inserted?.results[0] ?? null) as ReservationRow | null;
  if (!reservation) return null;
  const counts = place?.results[0] as { ahead: number; served: number } | undefined;
  return {
    reservation,
    place: {
      ahead: counts?.ahead ?? 0,
      servedCount: counts?.served ?? 0,
      calls: callHistoryOf(calls?.results[0] as CallHistoryRow | undefined),
    },
  };
}

/**
 * Moves a pending reservation that has not been called into slot `toSlotId`, with a new number there. One
 * statement takes the new place and frees the old one, so the old place is only
 * freed once the new one is secured (rule 7).
 */
export async function moveBooking(
  d1: D1Database,
  toSlotId: number,
  reservationId: number,
  fromSlotId: number,
  clinicNow: string,
  now: string,
): Promise<ReservationRow | null> {
  const [moved] = await d1.batch([
    d1
      .prepare(
        `UPDATE reservations SET
           consultation_slot_id = ?1,
           nomor_antrian = (SELECT nomor_terakhir + 1 FROM consultation_slots WHERE id = ?1),
           called_at = NULL,
           updated_at = ?5
         WHERE id = ?2 AND consultation_slot_id = ?3 AND status IN ('booked', 'checked_in') AND called_at IS NULL
           AND EXISTS (SELECT 1 FROM consultation_slots s WHERE s.id = ?1 AND ${ADMISSION_GUARD.replace("?clinicNow", "?4")})
         RETURNING *`,
      )
      .bind(toSlotId, reservationId, fromSlotId, clinicNow, now),
    d1.prepare(BUMP_NOMOR_TERAKHIR).bind(toSlotId),
  ]);
  return ((moved?.results[0] ?? null) as ReservationRow | null);
}

export async function findReservationRow(d1: D1Database, id: number): Promise<ReservationRow | null> {
  return d1.prepare("SELECT * FROM reservations WHERE id = ?1").bind(id).first<ReservationRow>();
}

/** Changes a status only if it is still what the caller saw, in this slot. */
export async function updateReservationStatus(
  d1: D1Database,
  slotId: number,
  id: number,
  from: ReservationStatus,
  to: ReservationStatus,
  now: string,
): Promise<ReservationRow | null> {
  return d1
    .prepare(
      `UPDATE reservations SET status = ?4, updated_at = ?5
       WHERE id = ?2 AND consultation_slot_id = ?1 AND status = ?3 RETURNING *`,
    )
    .bind(slotId, id, from, to, now)
    .first<ReservationRow>();
}

export async function deleteReservationRow(d1: D1Database, slotId: number, id: number): Promise<ReservationRow | null> {
  return d1
    .prepare("DELETE FROM reservations WHERE id = ?2 AND consultation_slot_id = ?1 RETURNING *")
    .bind(slotId, id)
    .first<ReservationRow>();
}

export interface SlotChanges {
  tanggal?: string;
  waktu?: string;
  kuota?: number;
  ketersediaan?: boolean;
  durasi_menit?: number;
}

const SLOT_COLUMNS = ["tanggal", "waktu", "kuota", "ketersediaan", "durasi_menit"] as const;

/** Updates a slot; a new `kuota` below the places already held leaves the row untouched. */
export async function updateSlotRow(
  d1: D1Database,
  slotId: number,
  changes: SlotChanges,
  now: string,
): Promise<ConsultationSlotRow | null> {
  const sets: string[] = [];
  const values: (string | number)[] = [slotId, now];
  let kuotaParam: string | null = null;
  for (const column of SLOT_COLUMNS) {
    const value = changes[column];
    if (value === undefined) continue;
    values.push(typeof value === "boolean" ? Number(value) : value);
    sets.push(`${column} = ?${values.length}`);
    if (column === "kuota") kuotaParam = `?${values.length}`;
  }
  const kuotaGuard =
    kuotaParam === null
      ? ""
      : `AND ${kuotaParam} >= (SELECT count(*) FROM reservations WHERE consultation_slot_id = ?1 AND status <> 'cancelled')`;
  const raw = await d1
    .prepare(
      `UPDATE consultation_slots SET ${[...sets, "updated_at = ?2"].join(", ")}
       WHERE id = ?1 ${kuotaGuard} RETURNING *`,
    )
    .bind(...values)
    .first<RawSlotRow>();
  return raw ? slotFromRaw(raw) : null;
}

/** Deletes a slot (its non-pending reservations cascade) unless a reservation is pending. */
export async function deleteSlotRow(d1: D1Database, slotId: number): Promise<boolean> {
  const deleted = await d1
    .prepare(
      `DELETE FROM consultation_slots WHERE id = ?1
       AND NOT EXISTS (SELECT 1 FROM reservations WHERE consultation_slot_id = ?1 AND status IN ('booked', 'checked_in'))
       RETURNING id`,
    )
    .bind(slotId)
    .first<{ id: number }>();
  return deleted !== null;
}

export async function slotExists(d1: D1Database, slotId: number): Promise<boolean> {
  return (await d1.prepare("SELECT 1 AS one FROM consultation_slots WHERE id = ?1").bind(slotId).first()) !== null;
}
