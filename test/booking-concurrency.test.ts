/**
 * SPEC §5 under real concurrency: hundreds of requests in flight at once
 * through the worker, its slot Durable Objects and D1 — nothing mocked.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { slotBooker, type SlotBooker } from "../src/slot-booker/slot-booker";
import { book, call, createPatient, createPatients, createSlot, json } from "./helpers";

interface Reservation {
  id: number;
  patient_id: number;
  consultation_slot_id: number;
  nomor_antrian: number;
  status: string;
}

async function settle(responses: Response[]) {
  const results = await Promise.all(
    responses.map(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> })),
  );
  const booked = results.filter((r) => r.status === 201).map((r) => r.body as unknown as Reservation);
  const codes = results.filter((r) => r.status !== 201).map((r) => `${r.status} ${r.body.code}`);
  return { results, booked, codes };
}

function countBy(values: string[]): Record<string, number> {
  return values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});
}

/** Reservations of a slot as D1 holds them, read directly. */
async function rowsInD1(slotId: number) {
  const { results } = await env.DB.prepare(
    "SELECT id, patient_id, nomor_antrian, status FROM reservations WHERE consultation_slot_id = ? ORDER BY nomor_antrian",
  )
    .bind(slotId)
    .all<{ id: number; patient_id: number; nomor_antrian: number; status: string }>();
  return results;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe("booking under concurrency (SPEC §5)", () => {
  it("500 patients booking one slot of kuota 50 at once: exactly 50 places, numbered 1..50", async () => {
    const slot = await createSlot({ kuota: 50 });
    const patients = await createPatients(500);

    const { booked, codes } = await settle(await Promise.all(patients.map((p) => book(p.id, slot.id))));

    expect(booked).toHaveLength(50);
    expect(booked.map((r) => r.nomor_antrian).sort((a, b) => a - b)).toEqual(range(1, 50));
    expect(countBy(codes)).toEqual({ "409 slot_full": 450 });
    const rows = await rowsInD1(slot.id);
    expect(rows).toHaveLength(50);
    expect(rows.map((r) => r.nomor_antrian)).toEqual(range(1, 50));
    expect(new Set(rows.map((r) => r.patient_id)).size).toBe(50);
    const after = await json(await call("GET", `/consultation-slots/${slot.id}`, { token: null }));
    expect(after).toMatchObject({ terisi: 50, sisa_kuota: 0, dapat_dipesan: false, ketersediaan: true });
  });

  it("20 slots booked at once each number their own places 1..n", async () => {
    const slots = await Promise.all(Array.from({ length: 20 }, () => createSlot({ kuota: 15 })));
    const patients = await createPatients(10);
    const attempts = slots.flatMap((slot) => patients.map((p) => ({ slot, patient: p })));

    const { booked, codes } = await settle(await Promise.all(attempts.map((a) => book(a.patient.id, a.slot.id))));

    expect(codes).toEqual([]);
    expect(booked).toHaveLength(200);
    for (const slot of slots) {
      const numbers = booked.filter((r) => r.consultation_slot_id === slot.id).map((r) => r.nomor_antrian);
      expect(numbers.sort((a, b) => a - b)).toEqual(range(1, 10));
    }
  });

  it("one patient pressing book 10 times at once gets one place", async () => {
    const slot = await createSlot({ kuota: 5 });
    const patient = await createPatient();

    const { booked, codes } = await settle(await Promise.all(range(1, 10).map(() => book(patient.id, slot.id))));

    expect(booked).toHaveLength(1);
    expect(countBy(codes)).toEqual({ "409 duplicate_reservation": 9 });
    expect(await rowsInD1(slot.id)).toHaveLength(1);
  });

  it("a cancelled or deleted number is never handed out again, even after the object restarts", async () => {
    const slot = await createSlot({ kuota: 3 });
    const [a, b, c, d, e] = await createPatients(5);
    const first = await json<Reservation>(await book(a!.id, slot.id));
    const second = await json<Reservation>(await book(b!.id, slot.id));
    expect([first.nomor_antrian, second.nomor_antrian]).toEqual([1, 2]);

    expect((await call("PATCH", `/reservations/${second.id}`, { body: { status: "cancelled" } })).status).toBe(200);
    const third = await json<Reservation>(await book(c!.id, slot.id));
    expect(third.nomor_antrian).toBe(3);

    expect((await call("DELETE", `/reservations/${third.id}`)).status).toBe(204);
    // The object forgets everything it held in memory; it must rebuild from D1.
    await evictDurableObject(slotBooker(env, slot.id));
    const fourth = await json<Reservation>(await book(d!.id, slot.id));
    expect(fourth.nomor_antrian).toBe(4);

    // Places: first (1) and fourth (4) hold places; kuota 3 leaves one.
    expect((await book(e!.id, slot.id)).status).toBe(201);
    const full = await book((await createPatient()).id, slot.id);
    expect(full.status).toBe(409);
    expect((await json(full)).code).toBe("slot_full");
  });

  it("lowering kuota while bookings race never leaves more places taken than kuota", async () => {
    const slot = await createSlot({ kuota: 100 });
    const patients = await createPatients(150);
    const bookings = patients.map((p) => book(p.id, slot.id));
    // Staff lower kuota in the middle of the burst, several times.
    const changes = [80, 60, 40].map((kuota) =>
      call("PATCH", `/consultation-slots/${slot.id}`, { body: { kuota } }),
    );
    const [bookingResponses, changeResponses] = await Promise.all([Promise.all(bookings), Promise.all(changes)]);
    const { booked, codes } = await settle(bookingResponses);
    const changeStatuses = await Promise.all(changeResponses.map(async (r) => `${r.status} ${r.status === 200 ? "" : (await r.json<any>()).code}`));

    const final = await json(await call("GET", `/consultation-slots/${slot.id}`, { token: null }));
    const rows = await rowsInD1(slot.id);
    expect(rows.length).toBe(booked.length);
    expect(final.terisi).toBe(rows.length);
    expect(final.terisi).toBeLessThanOrEqual(final.kuota);
    expect(new Set(rows.map((r) => r.nomor_antrian)).size).toBe(rows.length);
    for (const code of new Set(codes)) expect(code).toBe("409 slot_full");
    for (const s of changeStatuses) expect(["200 ", "409 kuota_below_terisi"]).toContain(s);
  });

  it("a move racing with bookings on the target slot never collides and frees the old place once", async () => {
    const from = await createSlot({ kuota: 5 });
    const to = await createSlot({ kuota: 30 });
    const movers = await createPatients(5);
    const moving = await Promise.all(movers.map(async (p) => json<Reservation>(await book(p.id, from.id))));
    const bookers = await createPatients(40);

    const moves = moving.map((r) => call("PATCH", `/reservations/${r.id}`, { body: { consultation_slot_id: to.id } }));
    const bookings = bookers.map((p) => book(p.id, to.id));
    const [moveResponses, bookingResponses] = await Promise.all([Promise.all(moves), Promise.all(bookings)]);
    const movedResults = await settle(moveResponses.map((r) => new Response(r.body, { status: r.status === 200 ? 201 : r.status })));
    const bookedResults = await settle(bookingResponses);

    const rowsTo = await rowsInD1(to.id);
    const rowsFrom = await rowsInD1(from.id);
    // Every success landed in the target; the target holds no more than its kuota, numbers unique.
    expect(rowsTo.length).toBe(movedResults.booked.length + bookedResults.booked.length);
    expect(rowsTo.length).toBeLessThanOrEqual(30);
    expect(new Set(rowsTo.map((r) => r.nomor_antrian)).size).toBe(rowsTo.length);
    // What did not move is still where it was; what moved left exactly one place behind each.
    expect(rowsFrom.length).toBe(5 - movedResults.booked.length);
    const fromSlot = await json(await call("GET", `/consultation-slots/${from.id}`, { token: null }));
    expect(fromSlot.terisi).toBe(rowsFrom.length);
    // The freed places in the old slot can be booked again, with new numbers (6, 7, ...).
    if (movedResults.booked.length > 0) {
      const again = await json<Reservation>(await book((await createPatient()).id, from.id));
      expect(again.nomor_antrian).toBe(6);
    }
  });

  it("the same Idempotency-Key sent 20 times at once books one place", async () => {
    const slot = await createSlot({ kuota: 10 });
    const patient = await createPatient();
    const key = `burst-${crypto.randomUUID()}`;

    const responses = await Promise.all(range(1, 20).map(() => book(patient.id, slot.id, { "Idempotency-Key": key })));
    const statuses = responses.map((r) => r.status);

    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    for (const s of statuses) expect([201, 409]).toContain(s);
    const refusals = await Promise.all(responses.filter((r) => r.status === 409).map((r) => r.json<any>()));
    for (const r of refusals) expect(r.code).toBe("idempotency_key_in_use");
    const created = responses.filter((r) => r.status === 201 && r.headers.get("Idempotent-Replayed") !== "true");
    expect(created).toHaveLength(1);
    expect(await rowsInD1(slot.id)).toHaveLength(1);

    // Once the first answer is stored, a repeat replays it.
    const replay = await book(patient.id, slot.id, { "Idempotency-Key": key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
  });
});

describe("the slot object's faults and memory", () => {
  /** Swaps the object's D1 binding for one that the test controls (the object reads env.DB on each use). */
  async function withDatabase(slotId: number, wrap: (db: D1Database) => D1Database) {
    await runInDurableObject(slotBooker(env, slotId), (instance: SlotBooker) => {
      const self = instance as unknown as { env: Env };
      self.env = { ...self.env, DB: wrap(env.DB) };
    });
  }

  it("a D1 failure in the middle of a booking consumes no place and no number", async () => {
    const slot = await createSlot({ kuota: 2 });
    const [a, b, c] = await createPatients(3);
    expect((await json<Reservation>(await book(a!.id, slot.id))).nomor_antrian).toBe(1);

    let failures = 0;
    await withDatabase(slot.id, (db) =>
      new Proxy(db, {
        get(target, prop) {
          if (prop === "batch" && failures === 0) {
            return async () => {
              failures += 1;
              throw new Error("D1_ERROR: injected network failure");
            };
          }
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }),
    );

    const failed = await book(b!.id, slot.id);
    expect(failed.status).toBe(503);
    expect(failed.headers.get("Retry-After")).toBeTruthy();
    expect((await json(failed)).code).toBe("service_unavailable");
    expect(failures).toBe(1);
    expect(await rowsInD1(slot.id)).toHaveLength(1);

    // The place is still free and the next booking gets number 2.
    const next = await json<Reservation>(await book(c!.id, slot.id));
    expect(next.nomor_antrian).toBe(2);
  });

  it("constraint failures in D1 are answered as the refusals they mean, writing nothing", async () => {
    const slot = await createSlot({ kuota: 5 });
    const [a, b] = await createPatients(2);
    expect((await json<Reservation>(await book(a!.id, slot.id))).nomor_antrian).toBe(1);

    // A patient that does not exist fails the foreign key inside the booking batch.
    const missing = await book(987_654_321, slot.id);
    expect(missing.status).toBe(422);
    expect((await json(missing)).code).toBe("patient_not_found");

    // A place taken behind the object's back (as another copy of it could): memory says free,
    // D1's unique index says no.
    await env.DB.prepare(
      `INSERT INTO reservations (patient_id, consultation_slot_id, nomor_antrian, status)
       SELECT ?1, id, nomor_terakhir + 1, 'booked' FROM consultation_slots WHERE id = ?2`,
    )
      .bind(b!.id, slot.id)
      .run();
    await env.DB.prepare("UPDATE consultation_slots SET nomor_terakhir = nomor_terakhir + 1 WHERE id = ?").bind(slot.id).run();
    const duplicate = await book(b!.id, slot.id);
    expect(duplicate.status).toBe(409);
    expect((await json(duplicate)).code).toBe("duplicate_reservation");

    expect((await rowsInD1(slot.id)).map((r) => r.nomor_antrian)).toEqual([1, 2]);
    const next = await json<Reservation>(await book((await createPatient()).id, slot.id));
    expect(next.nomor_antrian).toBe(3);
  });

  it("once a slot is full, closed or started it refuses from memory, without a D1 query", async () => {
    const slot = await createSlot({ kuota: 2 });
    const patients = await createPatients(4);
    await book(patients[0]!.id, slot.id);
    await book(patients[1]!.id, slot.id);

    let queries = 0;
    await withDatabase(slot.id, (db) =>
      new Proxy(db, {
        get(target, prop) {
          const value = Reflect.get(target, prop);
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            queries += 1;
            return value.apply(target, args);
          };
        },
      }),
    );

    const refused = await Promise.all([book(patients[2]!.id, slot.id), book(patients[3]!.id, slot.id)]);
    for (const r of refused) expect((await json(r)).code).toBe("slot_full");
    expect(queries).toBe(0);

    await call("PATCH", `/consultation-slots/${slot.id}`, { body: { ketersediaan: false, kuota: 3 } });
    queries = 0;
    const closed = await book(patients[2]!.id, slot.id);
    expect((await json(closed)).code).toBe("slot_closed");
    expect(queries).toBe(0);

    // Moved to a start that has passed (staff may): refused from memory too.
    await call("PATCH", `/consultation-slots/${slot.id}`, { body: { ketersediaan: true, tanggal: "2020-01-06" } });
    queries = 0;
    const past = await book(patients[2]!.id, slot.id);
    expect((await json(past)).code).toBe("slot_in_past");
    expect(queries).toBe(0);
  });
});
