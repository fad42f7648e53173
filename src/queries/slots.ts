/** Consultation slot records in D1. Knows SQL, nothing of HTTP. */
import { and, asc, count, eq, gte, lte, not, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client";
import { consultationSlots, reservations, type ConsultationSlotRow } from "../db/schema";
import { isoNow } from "../lib/clinic-time";
import type { Page, PageOf } from "./pagination";

export interface SlotFields {
  tanggal: string;
  waktu: string;
  kuota: number;
  ketersediaan: boolean;
  durasi_menit: number;
}

/** A slot as the API shows it: the stored row plus what is derived from its reservations. */
export interface SlotView {
  id: number;
  tanggal: string;
  waktu: string;
  kuota: number;
  durasi_menit: number;
  ketersediaan: boolean;
  terisi: number;
  sisa_kuota: number;
  dapat_dipesan: boolean;
  created_at: string;
  updated_at: string;
}

/**
 * Reservations holding a place: every status but `cancelled`. Written as raw SQL
 * with qualified names: inside a subquery Drizzle renders a column without its
 * table, and a bare "id" would then mean reservations.id.
 */
const terisiSql = sql<number>`(SELECT count(*) FROM reservations r WHERE r.consultation_slot_id = "consultation_slots"."id" AND r.status <> 'cancelled')`;

function bookableSql(clinicNow: string): SQL {
  return sql`(${consultationSlots.ketersediaan} = 1 AND ${terisiSql} < ${consultationSlots.kuota} AND (${consultationSlots.tanggal} || 'T' || ${consultationSlots.waktu}) > ${clinicNow})`;
}

const viewColumns = {
  row: consultationSlots,
  terisi: terisiSql.mapWith(Number),
};

export function toSlotView(row: ConsultationSlotRow, terisi: number, clinicNow: string): SlotView {
  const sisa = row.kuota - terisi;
  return {
    id: row.id,
    tanggal: row.tanggal,
    waktu: row.waktu,
    kuota: row.kuota,
    durasi_menit: row.durasi_menit,
    ketersediaan: row.ketersediaan,
    terisi,
    sisa_kuota: sisa,
    dapat_dipesan: row.ketersediaan && sisa > 0 && `${row.tanggal}T${row.waktu}` > clinicNow,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export interface SlotFilter {
  tanggal?: string | undefined;
  dari?: string | undefined;
  sampai?: string | undefined;
  ketersediaan?: boolean | undefined;
  dapat_dipesan?: boolean | undefined;
}

export async function listSlots(db: Database, filter: SlotFilter, page: Page, clinicNow: string): Promise<PageOf<SlotView>> {
  const conditions: SQL[] = [];
  if (filter.tanggal) conditions.push(eq(consultationSlots.tanggal, filter.tanggal));
  if (filter.dari) conditions.push(gte(consultationSlots.tanggal, filter.dari));
  if (filter.sampai) conditions.push(lte(consultationSlots.tanggal, filter.sampai));
  if (filter.ketersediaan !== undefined) conditions.push(eq(consultationSlots.ketersediaan, filter.ketersediaan));
  if (filter.dapat_dipesan !== undefined) {
    conditions.push(filter.dapat_dipesan ? bookableSql(clinicNow) : not(bookableSql(clinicNow)));
  }
  const where = conditions.length > 0 ? and(...conditions) : undefined;
  const [rows, totals] = await db.batch([
    db
      .select(viewColumns)
      .from(consultationSlots)
      .where(where)
      .orderBy(asc(consultationSlots.tanggal), asc(consultationSlots.waktu), asc(consultationSlots.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ total: count() }).from(consultationSlots).where(where),
  ]);
  return {
    data: rows.map((r) => toSlotView(r.row, r.terisi, clinicNow)),
    total: totals[0]?.total ?? 0,
    ...page,
  };
}

export async function findSlot(db: Database, id: number, clinicNow: string): Promise<SlotView | undefined> {
  const row = await db.select(viewColumns).from(consultationSlots).where(eq(consultationSlots.id, id)).get();
  return row ? toSlotView(row.row, row.terisi, clinicNow) : undefined;
}

export async function insertSlot(db: Database, fields: SlotFields): Promise<ConsultationSlotRow> {
  const now = isoNow();
  const [row] = await db
    .insert(consultationSlots)
    .values({ ...fields, created_at: now, updated_at: now })
    .returning();
  return row!;
}
