/**
 * Deterministic fake clinic data (SPEC §8): Indonesian patients, consultation
 * slots on working days in clinic hours, and reservations that obey the booking
 * rules of SPEC §5, so booking a seeded slot through the API continues its
 * numbering and a full seeded slot refuses.
 *
 * Pure on purpose: no `node:` imports and no clock. `today` is passed in, so
 * the same options give the same rows anywhere — in the seed CLI (Node) and in
 * the tests (workerd). Clinic time comes from src/lib/clinic-time.ts, which
 * imports nothing; the `.ts` extension is what Node's type stripping needs.
 */
import { Faker, base, en, id_ID } from "@faker-js/faker";
import type { ReservationStatus } from "../src/db/schema";
import { clinicNow, clinicTimeToUtc, isoNow } from "../src/lib/clinic-time.ts";

export { clinicTimeToUtc };

export interface SeedOptions {
  /** Faker seed: the same seed (and the same other options) gives the same data. */
  seed: number;
  patients: number;
  /** Days with slots from `today` on (today included). */
  days: number;
  /** Days with slots before `today`: history with served / no-show / cancelled reservations. */
  pastDays: number;
  /** The clinic's date "now" (YYYY-MM-DD); slots and timestamps are laid out around it. */
  today: string;
  /** Clinic time zone: slots are clinic wall-clock times, timestamps are UTC. */
  timeZone: string;
  /**
   * Slots per weekday (Saturday is a half day with about half as many). Default:
   * hourly 08:00–15:00 with a lunch break at 12:00 (7 slots, Saturday 4).
   */
  slotsPerDay?: number | undefined;
  /** Average share of `kuota` held in an open upcoming slot, 0–1. Default 0.65. */
  fill?: number | undefined;
  /** Aim for about this many reservations in all (overrides `fill`). */
  reservations?: number | undefined;
}

export interface SeedPatient {
  id: number;
  nama: string;
  email: string;
  nomor_telepon: string;
  created_at: string;
  updated_at: string;
}

export interface SeedSlot {
  id: number;
  tanggal: string;
  waktu: string;
  kuota: number;
  ketersediaan: boolean;
  durasi_menit: number;
  /** The highest queue number issued in the slot (0 when none): the API continues from here. */
  nomor_terakhir: number;
  /** Past slots: the last number called; null before the first call. */
  sedang_dilayani: number | null;
  created_at: string;
  updated_at: string;
}

export interface SeedReservation {
  id: number;
  patient_id: number;
  consultation_slot_id: number;
  nomor_antrian: number;
  status: ReservationStatus;
  called_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface SeedData {
  patients: SeedPatient[];
  slots: SeedSlot[];
  reservations: SeedReservation[];
}

export class SeedCapacityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SeedCapacityError";
  }
}

const DEFAULT_FILL = 0.65;
/** Working days are Monday–Saturday; the clinic is closed on Sunday. */
const SUNDAY = 0;
const SATURDAY = 6;
const DEFAULT_WEEKDAY_TIMES = ["08:00", "09:00", "10:00", "11:00", "13:00", "14:00", "15:00"];
const DEFAULT_SATURDAY_TIMES = ["08:00", "09:00", "10:00", "11:00"];
const KUOTA_CHOICES = [10, 12, 15, 15, 20, 20, 20, 25, 25, 30];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Generates the rows. Throws SeedCapacityError when `reservations` cannot fit the slots. */
export function generateSeedData(options: SeedOptions): SeedData {
  validateOptions(options);
  const faker = new Faker({ locale: [id_ID, en, base] });
  faker.seed(options.seed);

  // "Now" for the data: the start of `today` in the clinic. Nothing is created after it.
  const anchor = clinicTimeToUtc(options.today, "00:00", options.timeZone).getTime();
  const plans = planSlots(faker, options, anchor);
  const firstSlotCreated = plans.reduce((first, p) => Math.min(first, p.createdAt), anchor - 3 * DAY);
  const patients = makePatients(faker, options.patients, firstSlotCreated);
  const counts = placeCounts(plans, options);
  const { slots, reservations } = fillSlots(faker, plans, counts, options.patients, anchor);
  return { patients, slots, reservations };
}

function validateOptions(o: SeedOptions): void {
  const problems: string[] = [];
  if (!Number.isSafeInteger(o.seed)) problems.push("seed must be an integer");
  if (!Number.isInteger(o.patients) || o.patients < 1) problems.push("patients must be an integer ≥ 1");
  if (!Number.isInteger(o.days) || o.days < 0) problems.push("days must be an integer ≥ 0");
  if (!Number.isInteger(o.pastDays) || o.pastDays < 0) problems.push("pastDays must be an integer ≥ 0");
  const day = new Date(`${o.today}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(o.today) || Number.isNaN(day.getTime()) || !day.toISOString().startsWith(o.today)) {
    problems.push("today must be a date YYYY-MM-DD");
  }
  if (o.slotsPerDay !== undefined && (!Number.isInteger(o.slotsPerDay) || o.slotsPerDay < 1 || o.slotsPerDay > 48)) {
    problems.push("slotsPerDay must be an integer from 1 to 48");
  }
  if (o.fill !== undefined && !(o.fill >= 0 && o.fill <= 1)) problems.push("fill must be between 0 and 1");
  if (o.reservations !== undefined && (!Number.isInteger(o.reservations) || o.reservations < 0)) {
    problems.push("reservations must be an integer ≥ 0");
  }
  try {
    new Intl.DateTimeFormat("en-CA", { timeZone: o.timeZone });
  } catch {
    problems.push(`unknown time zone ${o.timeZone}`);
  }
  if (problems.length > 0) throw new RangeError(`Invalid seed options: ${problems.join("; ")}.`);
}

// ---------------------------------------------------------------- patients

/** Indonesian mobile prefixes (Telkomsel, Indosat, XL, Axis, Smartfren, Tri). */
const MOBILE_PREFIXES = [
  "811", "812", "813", "821", "822", "823", "851", "852", "853",
  "814", "815", "816", "855", "856", "857", "858",
  "817", "818", "819", "859", "877", "878", "831", "832", "838",
  "881", "882", "883", "884", "885", "886", "887", "888", "889",
  "895", "896", "897", "898", "899",
];
/** Area codes for the odd landline: Jakarta, Bandung, Surabaya, Medan, Yogyakarta, Semarang, Makassar, Denpasar. */
const AREA_CODES = ["21", "22", "31", "61", "274", "24", "411", "361"];

function makePatients(faker: Faker, n: number, before: number): SeedPatient[] {
  // Registered over the year before the first slot existed, so every booking comes after its patient.
  const times = Array.from({ length: n }, () => before - faker.number.int({ min: DAY, max: 365 * DAY }));
  times.sort((a, b) => a - b);
  const taken = new Set<string>();
  return times.map((time, i) => {
    const sex = faker.helpers.arrayElement(["female", "male"] as const);
    const firstName = faker.person.firstName(sex);
    // Many Indonesians go by one name; some by three; a few carry the hajj title.
    const lastName = faker.helpers.weightedArrayElement([
      { weight: 78, value: () => faker.person.lastName(sex) },
      { weight: 12, value: () => `${faker.person.firstName(sex)} ${faker.person.lastName(sex)}` },
      { weight: 10, value: () => "" },
    ])();
    const title = faker.helpers.maybe(() => (sex === "female" ? "Hj. " : "H. "), { probability: 0.03 }) ?? "";
    const nama = `${title}${firstName} ${lastName}`;
    const createdAt = iso(time);
    return {
      id: i + 1,
      nama: nama.trim().slice(0, 100),
      email: uniqueEmail(faker, firstName, lastName, taken),
      nomor_telepon: phoneNumber(faker),
      created_at: createdAt,
      updated_at: createdAt,
    };
  });
}

/** A plausible address for the patient, unique ignoring case like the `patients_email_lower_unique` index. */
function uniqueEmail(faker: Faker, firstName: string, lastName: string, taken: Set<string>): string {
  const provider = faker.helpers.weightedArrayElement([
    { weight: 6, value: "gmail.com" },
    { weight: 2, value: "yahoo.co.id" },
    { weight: 1, value: "yahoo.com" },
    { weight: 1, value: "outlook.com" },
    { weight: 1, value: `${slug(faker.company.name()) || "klinik"}.co.id` },
  ]);
  const first = slug(firstName) || "pasien";
  // The family name only: "Dewi Lestari Putri" writes dewi.putri.
  const last = slug(lastName.split(" ").pop() ?? "");
  const local = faker.helpers.arrayElement([
    `${first}.${last}`,
    `${first}${last}`,
    `${first}_${last}`,
    `${first}${faker.number.int({ min: 1, max: 99 })}`,
    `${first}.${last}${faker.number.int({ min: 1955, max: 2008 })}`,
  ]).replace(/^[._]+|[._]+$/g, "").replace(/[._]{2,}/g, ".");
  let email = `${local}@${provider}`;
  // Deterministic: the suffix depends only on what was generated before.
  for (let n = 2; taken.has(email.toLowerCase()); n++) email = `${local}${n}@${provider}`;
  taken.add(email.toLowerCase());
  return email;
}

/** Lower-case ASCII letters and digits only: safe in the local part and in a domain label. */
function slug(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9]/g, "")
    .toLowerCase()
    .slice(0, 30);
}

/** The forms Indonesians write: 0812…, +62812…, 62812…, with or without spaces and dashes. */
function phoneNumber(faker: Faker): string {
  if (faker.number.int({ min: 1, max: 100 }) <= 4) {
    const area = faker.helpers.arrayElement(AREA_CODES);
    const local = faker.string.numeric({ length: area.length === 2 ? 8 : 7, allowLeadingZeros: false });
    return faker.helpers.arrayElement([`0${area}-${local}`, `0${area} ${local}`, `0${area}${local}`]);
  }
  const prefix = faker.helpers.arrayElement(MOBILE_PREFIXES);
  const rest = faker.string.numeric({ length: faker.helpers.arrayElement([7, 8, 8, 8, 9]), allowLeadingZeros: true });
  const groups = [rest.slice(0, 4), rest.slice(4)];
  return faker.helpers.weightedArrayElement([
    { weight: 35, value: `0${prefix}${rest}` },
    { weight: 20, value: `0${prefix}-${groups.join("-")}` },
    { weight: 10, value: `0${prefix} ${groups.join(" ")}` },
    { weight: 15, value: `+62${prefix}${rest}` },
    { weight: 8, value: `+62 ${prefix}-${groups.join("-")}` },
    { weight: 6, value: `+62 ${prefix} ${groups.join(" ")}` },
    { weight: 6, value: `62${prefix}${rest}` },
  ]);
}

// ---------------------------------------------------------------- slots

interface SlotPlan {
  id: number;
  tanggal: string;
  waktu: string;
  kuota: number;
  durasi: number;
  open: boolean;
  /** The slot's day has passed: its reservations have final statuses. */
  past: boolean;
  /** An upcoming open slot that is booked out. */
  full: boolean;
  /** How busy this slot is compared with the average (mean about 1). */
  demand: number;
  cancelRatio: number;
  start: number;
  createdAt: number;
  updatedAt: number;
}

function slotTimes(weekday: number, slotsPerDay: number | undefined): string[] {
  if (slotsPerDay === undefined) return weekday === SATURDAY ? DEFAULT_SATURDAY_TIMES : DEFAULT_WEEKDAY_TIMES;
  // Clinic hours 08:00–16:00 (Saturday 08:00–12:00), slots evenly spaced on a 5-minute grid.
  const count = weekday === SATURDAY ? Math.ceil(slotsPerDay / 2) : slotsPerDay;
  const span = weekday === SATURDAY ? 240 : 480;
  const step = Math.max(5, Math.floor(span / count / 5) * 5);
  return Array.from({ length: count }, (_, i) => {
    const minutes = 8 * 60 + i * step;
    return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
  });
}

function planSlots(faker: Faker, o: SeedOptions, anchor: number): SlotPlan[] {
  const plans: SlotPlan[] = [];
  const todayUtc = Date.parse(`${o.today}T00:00:00Z`);
  for (let offset = -o.pastDays; offset < o.days; offset++) {
    const day = new Date(todayUtc + offset * DAY);
    if (day.getUTCDay() === SUNDAY) continue;
    const tanggal = day.toISOString().slice(0, 10);
    for (const waktu of slotTimes(day.getUTCDay(), o.slotsPerDay)) {
      const start = clinicTimeToUtc(tanggal, waktu, o.timeZone).getTime();
      const past = offset < 0;
      const open = faker.number.int({ min: 1, max: 100 }) > 6;
      // Near days fill up first; a few of them are booked out.
      const nearness = o.days > 0 && !past ? 1 - offset / Math.max(o.days, 1) : 1;
      const full = !past && open && faker.number.float({ min: 0, max: 1 }) < 0.04 + 0.12 * nearness;
      const demand = faker.number.float({ min: 0.3, max: 1.5 }) * (past ? 1.3 : 0.5 + 0.7 * nearness);
      // Staff publish the schedule about four weeks ahead; never after "now".
      const createdAt = Math.min(todayUtc + offset * DAY - 28 * DAY, anchor - 3 * DAY) + faker.number.int({ min: 0, max: 10 * HOUR });
      plans.push({
        id: plans.length + 1,
        tanggal,
        waktu,
        kuota: faker.helpers.arrayElement(KUOTA_CHOICES),
        durasi: faker.number.int({ min: 10, max: 15 }),
        open,
        past,
        full,
        demand,
        cancelRatio: faker.number.float({ min: 0, max: past ? 0.15 : 0.12 }),
        start,
        createdAt,
        updatedAt: open ? createdAt : createdAt + faker.number.int({ min: HOUR, max: 2 * DAY }),
      });
    }
  }
  // At least one upcoming slot booked out, so clients (and tests) always meet a full slot.
  if (!plans.some((p) => p.full)) {
    const upcoming = plans.filter((p) => !p.past && p.open);
    const chosen = upcoming[Math.min(upcoming.length - 1, 2)];
    if (chosen) chosen.full = true;
  }
  return plans;
}

interface PlaceCount {
  held: number;
  cancelled: number;
}

function countsFor(plans: SlotPlan[], fill: number, patients: number): PlaceCount[] {
  return plans.map((p) => {
    let held = p.full ? p.kuota : Math.round(p.kuota * fill * p.demand * (p.open ? 1 : 0.4));
    held = Math.min(held, p.kuota, patients);
    const cancelled = Math.min(Math.round(held * p.cancelRatio), patients - held);
    return { held, cancelled };
  });
}

function total(counts: PlaceCount[]): number {
  return counts.reduce((sum, c) => sum + c.held + c.cancelled, 0);
}

/** How many places each slot gets: from `fill`, or the fill that comes closest to `reservations`. */
function placeCounts(plans: SlotPlan[], o: SeedOptions): PlaceCount[] {
  if (o.reservations === undefined) return countsFor(plans, o.fill ?? DEFAULT_FILL, o.patients);
  const most = countsFor(plans, 1e6, o.patients);
  if (total(most) < o.reservations) {
    throw new SeedCapacityError(
      `${o.reservations} reservations do not fit: ${plans.length} slots over ${o.pastDays + o.days} days hold at most ` +
        `${total(most)} (with cancellations). Add days (--days, --past-days), slots (--slots-per-day) or patients.`,
    );
  }
  // The total only grows with fill: bisect for the smallest fill that reaches the target.
  let low = 0;
  let high = 1;
  while (total(countsFor(plans, high, o.patients)) < o.reservations) high *= 2;
  for (let i = 0; i < 50; i++) {
    const mid = (low + high) / 2;
    if (total(countsFor(plans, mid, o.patients)) >= o.reservations) high = mid;
    else low = mid;
  }
  return countsFor(plans, high, o.patients);
}

// ---------------------------------------------------------------- reservations

interface Draft extends Omit<SeedReservation, "id"> {
  createdMs: number;
}

function fillSlots(
  faker: Faker,
  plans: SlotPlan[],
  counts: PlaceCount[],
  patientCount: number,
  anchor: number,
): { slots: SeedSlot[]; reservations: SeedReservation[] } {
  const drafts: Draft[] = [];
  const slots = plans.map((plan, index): SeedSlot => {
    const { held, cancelled } = counts[index] ?? { held: 0, cancelled: 0 };
    const issued = held + cancelled;
    const patientIds = pickDistinct(faker, patientCount, issued);
    const statuses: ReservationStatus[] = faker.helpers.shuffle([
      ...Array.from({ length: held }, (): ReservationStatus =>
        plan.past ? faker.helpers.weightedArrayElement([{ weight: 88, value: "served" as const }, { weight: 12, value: "no_show" as const }]) : "booked",
      ),
      ...Array.from({ length: cancelled }, (): ReservationStatus => "cancelled"),
    ]);
    // Bookings arrive between publication and shortly before the start (or "now", for upcoming slots).
    const from = plan.createdAt + MINUTE;
    const until = Math.max(from + MINUTE, Math.min(plan.start - 30 * MINUTE, anchor - MINUTE));
    const times = Array.from({ length: issued }, () => faker.number.int({ min: from, max: until })).sort((a, b) => a - b);

    // Past slots were worked through in number order: each holder called in turn.
    let cursor = plan.start + faker.number.int({ min: 0, max: 10 }) * MINUTE;
    let lastCalled: number | null = null;
    let lastChange = plan.updatedAt;
    for (let i = 0; i < issued; i++) {
      const status = statuses[i] ?? "booked";
      const createdMs = seconds(times[i] ?? from);
      let updatedMs = createdMs;
      let calledAt: string | null = null;
      if (status === "cancelled") {
        updatedMs = seconds(faker.number.int({ min: createdMs, max: Math.max(createdMs, until) }));
      } else if (plan.past) {
        const called = seconds(cursor);
        calledAt = iso(called);
        lastCalled = i + 1;
        const took = status === "served" ? plan.durasi * faker.number.float({ min: 0.6, max: 1.5 }) : faker.number.int({ min: 2, max: 5 });
        cursor = called + took * MINUTE;
        updatedMs = seconds(cursor);
        lastChange = Math.max(lastChange, called);
      }
      drafts.push({
        patient_id: patientIds[i] ?? 1,
        consultation_slot_id: plan.id,
        nomor_antrian: i + 1,
        status,
        called_at: calledAt,
        created_at: iso(createdMs),
        updated_at: iso(updatedMs),
        createdMs,
      });
    }
    return {
      id: plan.id,
      tanggal: plan.tanggal,
      waktu: plan.waktu,
      kuota: plan.kuota,
      ketersediaan: plan.open,
      durasi_menit: plan.durasi,
      nomor_terakhir: issued,
      sedang_dilayani: lastCalled,
      created_at: iso(plan.createdAt),
      updated_at: iso(Math.max(plan.updatedAt, lastChange)),
    };
  });
  // Ids in booking order, as the API would have handed them out.
  drafts.sort((a, b) => a.createdMs - b.createdMs || a.consultation_slot_id - b.consultation_slot_id || a.nomor_antrian - b.nomor_antrian);
  const reservations = drafts.map(({ createdMs: _createdMs, ...row }, i) => ({ id: i + 1, ...row }));
  return { slots, reservations };
}

/** `k` distinct patient ids from 1..n, in random order. */
function pickDistinct(faker: Faker, n: number, k: number): number[] {
  if (k * 2 <= n) {
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(faker.number.int({ min: 1, max: n }));
    return [...chosen];
  }
  const all = Array.from({ length: n }, (_, i) => i + 1);
  for (let i = 0; i < k; i++) {
    const j = faker.number.int({ min: i, max: n - 1 });
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, k);
}

// ---------------------------------------------------------------- summary

export interface SeedSummary {
  patients: number;
  slots: number;
  openSlots: number;
  closedSlots: number;
  pastSlots: number;
  upcomingSlots: number;
  /** Open upcoming slots with no place left. */
  fullSlots: number;
  reservations: number;
  byStatus: Record<ReservationStatus, number>;
}

export function summarise(data: SeedData, today: string): SeedSummary {
  const held = new Map<number, number>();
  const byStatus: Record<ReservationStatus, number> = { booked: 0, checked_in: 0, served: 0, no_show: 0, cancelled: 0 };
  for (const r of data.reservations) {
    byStatus[r.status] += 1;
    if (r.status !== "cancelled") held.set(r.consultation_slot_id, (held.get(r.consultation_slot_id) ?? 0) + 1);
  }
  const upcoming = data.slots.filter((s) => s.tanggal >= today);
  return {
    patients: data.patients.length,
    slots: data.slots.length,
    openSlots: data.slots.filter((s) => s.ketersediaan).length,
    closedSlots: data.slots.filter((s) => !s.ketersediaan).length,
    pastSlots: data.slots.length - upcoming.length,
    upcomingSlots: upcoming.length,
    fullSlots: upcoming.filter((s) => s.ketersediaan && (held.get(s.id) ?? 0) >= s.kuota).length,
    reservations: data.reservations.length,
    byStatus,
  };
}

// ---------------------------------------------------------------- SQL

export interface SqlOptions {
  /** Start with statements that empty the seeded tables and their AUTOINCREMENT counters. */
  reset?: boolean | undefined;
  /** Rows per INSERT (D1 caps a statement at 100 KB; 100 rows stay far below). */
  rowsPerInsert?: number | undefined;
}

/** Bytes a statement may take; D1's limit is 100 KB, rows are ~200 bytes. */
const MAX_STATEMENT_BYTES = 90_000;

export const RESET_STATEMENTS = [
  "DELETE FROM reservations;",
  "DELETE FROM consultation_slots;",
  "DELETE FROM patients;",
  "DELETE FROM idempotency_keys;",
  "DELETE FROM sqlite_sequence WHERE name IN ('reservations', 'consultation_slots', 'patients');",
];

/**
 * The data as SQL statements, each ending in `;`: multi-row INSERTs with
 * literal values (no bound parameters), patients and slots before the
 * reservations that refer to them. Explicit ids also move sqlite_sequence,
 * so rows created later through the API get the next ids.
 */
export function seedSqlStatements(data: SeedData, options: SqlOptions = {}): string[] {
  const rowsPerInsert = options.rowsPerInsert ?? 100;
  const statements = options.reset ? [...RESET_STATEMENTS] : [];
  const table = <T>(name: string, columns: (keyof T & string)[], rows: T[]) => {
    const head = `INSERT INTO ${name} (${columns.join(", ")}) VALUES\n`;
    let values: string[] = [];
    let bytes = byteLength(head);
    const flush = () => {
      if (values.length > 0) statements.push(`${head}${values.join(",\n")};`);
      values = [];
      bytes = byteLength(head);
    };
    for (const row of rows) {
      const tuple = `(${columns.map((c) => sqlLiteral(row[c])).join(", ")})`;
      const size = byteLength(tuple) + 2;
      if (values.length >= rowsPerInsert || bytes + size > MAX_STATEMENT_BYTES) flush();
      values.push(tuple);
      bytes += size;
    }
    flush();
  };
  table<SeedPatient>("patients", ["id", "nama", "email", "nomor_telepon", "created_at", "updated_at"], data.patients);
  table<SeedSlot>(
    "consultation_slots",
    ["id", "tanggal", "waktu", "kuota", "ketersediaan", "durasi_menit", "nomor_terakhir", "sedang_dilayani", "created_at", "updated_at"],
    data.slots,
  );
  table<SeedReservation>(
    "reservations",
    ["id", "patient_id", "consultation_slot_id", "nomor_antrian", "status", "called_at", "created_at", "updated_at"],
    data.reservations,
  );
  return statements;
}

/** One SQL script, for `wrangler d1 execute --file`. */
export function seedSql(data: SeedData, options: SqlOptions = {}): string {
  return `${seedSqlStatements(data, options).join("\n")}\n`;
}

export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === "string") {
    // Standard SQL quoting; a NUL would end the string early in SQLite's C API.
    if (value.includes("\0")) throw new RangeError("NUL character in a seeded string");
    return `'${value.replaceAll("'", "''")}'`;
  }
  throw new TypeError(`no SQL literal for ${typeof value}`);
}

const encoder = new TextEncoder();
function byteLength(text: string): number {
  return encoder.encode(text).length;
}

// ---------------------------------------------------------------- time

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** ISO-8601 UTC to the second, like every timestamp in the API. */
function iso(ms: number): string {
  return isoNow(new Date(seconds(ms)));
}

/** Today's date in the clinic (YYYY-MM-DD): what the CLI passes as `today`. */
export function clinicToday(timeZone: string, at: Date): string {
  return clinicNow(timeZone, at).slice(0, 10);
}
