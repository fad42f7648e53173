/**
 * The seed data (seed/generate.ts): deterministic, valid by the API's own
 * schemas, consistent with the booking rules, and — once loaded into D1 —
 * continued by the API as if it had booked those places itself (SPEC §5, §8).
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { PatientInput } from "../src/routes/patients/patients.schemas";
import { SlotInput } from "../src/routes/slots/slots.schemas";
import {
  RESET_STATEMENTS,
  SeedCapacityError,
  clinicToday,
  generateSeedData,
  seedSqlStatements,
  summarise,
  type SeedData,
  type SeedOptions,
} from "../seed/generate";
import { book, call, expectProblem, json } from "./helpers";

const TIME_ZONE = "Asia/Jakarta";
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Today in the clinic, so "upcoming" seeded slots really are ahead of the worker's clock. */
const today = clinicToday(TIME_ZONE, new Date());
const options: SeedOptions = { seed: 20261204, patients: 80, days: 8, pastDays: 4, today, timeZone: TIME_ZONE };
const data = generateSeedData(options);

function placesHeld(seed: SeedData, slotId: number) {
  return seed.reservations.filter((r) => r.consultation_slot_id === slotId && r.status !== "cancelled");
}

describe("seed data generation", () => {
  it("is deterministic: the same options give the same rows, another seed other rows", () => {
    expect(generateSeedData({ ...options })).toEqual(data);
    expect(seedSqlStatements(generateSeedData({ ...options }))).toEqual(seedSqlStatements(data));
    const other = generateSeedData({ ...options, seed: options.seed + 1 });
    expect(other.patients).not.toEqual(data.patients);
    expect(other.reservations).not.toEqual(data.reservations);
  });

  it("gives every patient a name, email and phone number the API itself accepts", () => {
    expect(data.patients).toHaveLength(options.patients);
    for (const p of data.patients) {
      const parsed = PatientInput.safeParse({ nama: p.nama, email: p.email, nomor_telepon: p.nomor_telepon });
      expect(parsed.success, `${JSON.stringify(p)}: ${parsed.error?.message}`).toBe(true);
      expect(p.created_at).toMatch(TIMESTAMP);
    }
    const emails = data.patients.map((p) => p.email.toLowerCase());
    expect(new Set(emails).size).toBe(emails.length);
    // The Indonesian forms all appear: 08…, +62…, and with separators.
    const phones = data.patients.map((p) => p.nomor_telepon);
    expect(phones.some((t) => t.startsWith("08"))).toBe(true);
    expect(phones.some((t) => t.startsWith("+62"))).toBe(true);
    expect(phones.some((t) => /[\s-]/.test(t))).toBe(true);
  });

  it("lays slots on working days in clinic hours, valid by the slot schema", () => {
    expect(data.slots.length).toBeGreaterThan(0);
    for (const s of data.slots) {
      const parsed = SlotInput.safeParse({
        tanggal: s.tanggal,
        waktu: s.waktu,
        kuota: s.kuota,
        ketersediaan: s.ketersediaan,
        durasi_menit: s.durasi_menit,
      });
      expect(parsed.success, JSON.stringify(s)).toBe(true);
      expect(new Date(`${s.tanggal}T00:00:00Z`).getUTCDay(), `${s.tanggal} is a Sunday`).not.toBe(0);
      expect(s.waktu >= "08:00" && s.waktu < "16:00", s.waktu).toBe(true);
      expect(s.kuota).toBeGreaterThanOrEqual(10);
      expect(s.kuota).toBeLessThanOrEqual(30);
      expect(s.durasi_menit).toBeGreaterThanOrEqual(10);
      expect(s.durasi_menit).toBeLessThanOrEqual(15);
      expect(s.created_at).toMatch(TIMESTAMP);
      expect(s.updated_at >= s.created_at).toBe(true);
    }
    expect(data.slots.some((s) => s.tanggal < today)).toBe(true);
    expect(data.slots.some((s) => s.tanggal > today)).toBe(true);
  });

  it("follows the booking rules: kuota, unique numbers 1..n in booking order, one place per patient", () => {
    const patientIds = new Set(data.patients.map((p) => p.id));
    expect(new Set(data.reservations.map((r) => r.id)).size).toBe(data.reservations.length);
    for (const slot of data.slots) {
      const all = data.reservations
        .filter((r) => r.consultation_slot_id === slot.id)
        .sort((a, b) => a.nomor_antrian - b.nomor_antrian);
      const held = placesHeld(data, slot.id);
      expect(held.length, `slot ${slot.id}`).toBeLessThanOrEqual(slot.kuota);
      expect(all.map((r) => r.nomor_antrian)).toEqual(all.map((_, i) => i + 1));
      expect(slot.nomor_terakhir).toBe(all.length === 0 ? 0 : Math.max(...all.map((r) => r.nomor_antrian)));
      expect(new Set(held.map((r) => r.patient_id)).size).toBe(held.length);
      for (let i = 1; i < all.length; i++) expect(all[i]!.created_at >= all[i - 1]!.created_at).toBe(true);
      for (const r of all) {
        expect(patientIds.has(r.patient_id)).toBe(true);
        expect(r.created_at).toMatch(TIMESTAMP);
        expect(r.updated_at >= r.created_at).toBe(true);
        if (slot.tanggal < today) expect(["served", "no_show", "cancelled"]).toContain(r.status);
        else expect(["booked", "cancelled"]).toContain(r.status);
      }
    }
    const summary = summarise(data, today);
    expect(summary.fullSlots).toBeGreaterThan(0);
    expect(summary.byStatus.served + summary.byStatus.no_show).toBeGreaterThan(0);
    expect(summary.byStatus.cancelled).toBeGreaterThan(0);
  });

  it("aims for a number of reservations, and says so when they cannot fit", () => {
    const aimed = generateSeedData({ ...options, reservations: 400 });
    expect(aimed.reservations.length).toBeGreaterThanOrEqual(400);
    expect(aimed.reservations.length).toBeLessThan(440);
    expect(() => generateSeedData({ ...options, reservations: 1_000_000 })).toThrow(SeedCapacityError);
  });

  it("renders SQL within D1's limits, strings escaped", () => {
    const statements = seedSqlStatements(data);
    for (const statement of statements) {
      expect(new TextEncoder().encode(statement).length).toBeLessThan(100_000);
      expect(statement.split("\n").length - 1).toBeLessThanOrEqual(100);
    }
    const tricky = { ...data, patients: [{ ...data.patients[0]!, nama: "Siti 'Ayu' O'Neil" }], slots: [], reservations: [] };
    expect(seedSqlStatements(tricky)[0]).toContain("'Siti ''Ayu'' O''Neil'");
    expect(seedSqlStatements(data, { reset: true }).slice(0, RESET_STATEMENTS.length)).toEqual(RESET_STATEMENTS);
  });
});

describe("seeded data through the API", () => {
  beforeAll(async () => {
    // Each test file has its own storage: these ids are this file's alone.
    await env.DB.batch(seedSqlStatements(data, { reset: true }).map((sql) => env.DB.prepare(sql)));
  });

  const upcomingOpen = () => data.slots.filter((s) => s.ketersediaan && s.tanggal > today);

  it("stores every row", async () => {
    const counts = await env.DB.prepare(
      "SELECT (SELECT count(*) FROM patients) AS p, (SELECT count(*) FROM consultation_slots) AS s, (SELECT count(*) FROM reservations) AS r",
    ).first<{ p: number; s: number; r: number }>();
    expect(counts).toEqual({ p: data.patients.length, s: data.slots.length, r: data.reservations.length });
  });

  it("shows a seeded slot's places as the API counts them", async () => {
    const slot = upcomingOpen()[0]!;
    const response = await fetchSlot(slot.id);
    expect(response).toMatchObject({ id: slot.id, kuota: slot.kuota, terisi: placesHeld(data, slot.id).length });
  });

  it("continues a seeded slot's numbering when booking it", async () => {
    const slot = upcomingOpen().find((s) => placesHeld(data, s.id).length < s.kuota && s.nomor_terakhir > 0)!;
    expect(slot).toBeDefined();
    const holders = new Set(placesHeld(data, slot.id).map((r) => r.patient_id));
    const patient = data.patients.find((p) => !holders.has(p.id))!;
    const response = await book(patient.id, slot.id);
    expect(response.status, await response.clone().text()).toBe(201);
    const reservation = await json(response);
    expect(reservation.nomor_antrian).toBe(slot.nomor_terakhir + 1);
    // New rows continue after the seeded ids (sqlite_sequence follows explicit ids).
    expect(reservation.id).toBe(data.reservations.length + 1);

    const holder = [...holders][0];
    if (holder !== undefined) await expectProblem(await book(holder, slot.id), 409, "duplicate_reservation");
  });

  it("refuses a full seeded slot, a closed one and a past one", async () => {
    const full = upcomingOpen().find((s) => placesHeld(data, s.id).length >= s.kuota)!;
    expect(full).toBeDefined();
    const holders = new Set(placesHeld(data, full.id).map((r) => r.patient_id));
    const outsider = data.patients.find((p) => !holders.has(p.id))!;
    await expectProblem(await book(outsider.id, full.id), 409, "slot_full");
    expect(await fetchSlot(full.id)).toMatchObject({ terisi: full.kuota, sisa_kuota: 0, dapat_dipesan: false });

    const closed = data.slots.find((s) => !s.ketersediaan && s.tanggal > today);
    if (closed) await expectProblem(await book(1, closed.id), 409, "slot_closed");

    const past = data.slots.find((s) => s.ketersediaan && s.tanggal < today)!;
    await expectProblem(await book(1, past.id), 409, "slot_in_past");
  });
});

async function fetchSlot(id: number) {
  const response = await call("GET", `/consultation-slots/${id}`, { token: null });
  expect(response.status).toBe(200);
  return json(response);
}
