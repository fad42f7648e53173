/** Reservations through the API: booking refusals, reads, the status machine, moves, idempotency. */
import { describe, expect, it } from "vitest";
import { book, call, createPatient, createPatients, createSlot, dateInDays, expectProblem, json } from "./helpers";

interface Reservation {
  id: number;
  patient_id: number;
  consultation_slot_id: number;
  nomor_antrian: number;
  status: string;
  posisi: number | null;
  estimasi_dilayani: string | null;
  created_at: string;
  updated_at: string;
}

const STATUSES = ["booked", "checked_in", "served", "no_show", "cancelled"] as const;
const ALLOWED: Record<string, string[]> = {
  booked: ["checked_in", "served", "no_show", "cancelled"],
  checked_in: ["served", "no_show", "cancelled"],
  served: [],
  no_show: [],
  cancelled: [],
};

/** A reservation brought to `status` along an allowed path. */
async function reservationIn(status: (typeof STATUSES)[number]): Promise<Reservation> {
  const slot = await createSlot();
  const patient = await createPatient();
  const created = await json<Reservation>(await book(patient.id, slot.id));
  if (status === "booked") return created;
  const response = await call("PATCH", `/reservations/${created.id}`, { body: { status } });
  expect(response.status).toBe(200);
  return json<Reservation>(response);
}

describe("booking", () => {
  it("books a place: 201, Location, the first number, waiting position", async () => {
    const slot = await createSlot({ kuota: 3 });
    const patient = await createPatient();
    const response = await book(patient.id, slot.id);
    expect(response.status).toBe(201);
    const reservation = await json<Reservation>(response);
    expect(response.headers.get("Location")).toBe(`/reservations/${reservation.id}`);
    expect(reservation).toMatchObject({
      patient_id: patient.id,
      consultation_slot_id: slot.id,
      nomor_antrian: 1,
      status: "booked",
      posisi: 0,
    });
    expect(reservation.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Date.parse(reservation.estimasi_dilayani!)).toBeGreaterThan(Date.now());
    const fetched = await json<Reservation>(await call("GET", `/reservations/${reservation.id}`));
    expect(fetched).toEqual(reservation);
  });

  it("refuses a closed slot, a slot that has started, unknown patients and slots", async () => {
    const patient = await createPatient();
    const closed = await createSlot({ ketersediaan: false });
    await expectProblem(await book(patient.id, closed.id), 409, "slot_closed");

    const past = await createSlot({ tanggal: dateInDays(-2), waktu: "08:00" });
    await expectProblem(await book(patient.id, past.id), 409, "slot_in_past");

    const open = await createSlot();
    await expectProblem(await book(999_999, open.id), 422, "patient_not_found");
    await expectProblem(await book(patient.id, 999_999), 422, "slot_not_found");
    const rows = await json(await call("GET", `/reservations?patient_id=${patient.id}`));
    expect(rows.total).toBe(0);
  });

  it("a full slot stays ketersediaan true and shows dapat_dipesan false", async () => {
    const slot = await createSlot({ kuota: 1 });
    const [a, b] = await createPatients(2);
    expect((await book(a!.id, slot.id)).status).toBe(201);
    await expectProblem(await book(b!.id, slot.id), 409, "slot_full");
    const view = await json(await call("GET", `/consultation-slots/${slot.id}`, { token: null }));
    expect(view).toMatchObject({ ketersediaan: true, terisi: 1, sisa_kuota: 0, dapat_dipesan: false });
  });

  it("rejects invalid bodies with 422 and field errors", async () => {
    const cases: unknown[] = [
      {},
      { patient_id: "1", consultation_slot_id: 1 },
      { patient_id: 1 },
      { patient_id: 1, consultation_slot_id: 1, nomor_antrian: 5 },
      { patient_id: 1, consultation_slot_id: 1, status: "served" },
      { patient_id: -1, consultation_slot_id: 1.5 },
    ];
    for (const body of cases) {
      const problem = await expectProblem(await call("POST", "/reservations", { body }), 422, "validation_failed");
      expect(problem.errors?.length, JSON.stringify(body)).toBeGreaterThan(0);
    }
  });

  it("numbers go up past kuota after cancellations (monotonic, not gap-free)", async () => {
    const slot = await createSlot({ kuota: 2 });
    const patients = await createPatients(4);
    const first = await json<Reservation>(await book(patients[0]!.id, slot.id));
    await book(patients[1]!.id, slot.id);
    await call("PATCH", `/reservations/${first.id}`, { body: { status: "cancelled" } });
    const third = await json<Reservation>(await book(patients[2]!.id, slot.id));
    expect(third.nomor_antrian).toBe(3);
    // The cancelled patient may book again; they get a new number.
    const again = await json<Reservation>(await book(patients[0]!.id, slot.id).then(async (r) => {
      await call("DELETE", `/reservations/${third.id}`);
      return book(patients[0]!.id, slot.id);
    }));
    expect(again.nomor_antrian).toBe(4);
  });
});

describe("reading reservations", () => {
  it("lists with filters, pagination and order by slot then number", async () => {
    const later = await createSlot({ tanggal: dateInDays(40), waktu: "10:00" });
    const earlier = await createSlot({ tanggal: dateInDays(40), waktu: "08:00" });
    const patients = await createPatients(3);
    for (const p of patients) await book(p.id, later.id);
    for (const p of patients) await book(p.id, earlier.id);
    const second = await json(await call("GET", `/reservations?patient_id=${patients[1]!.id}`));
    expect(second.total).toBe(2);
    expect(second.data.map((r: Reservation) => r.consultation_slot_id)).toEqual([earlier.id, later.id]);

    const inLater = await json(await call("GET", `/reservations?consultation_slot_id=${later.id}&limit=2`));
    expect(inLater).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(inLater.data.map((r: Reservation) => r.nomor_antrian)).toEqual([1, 2]);
    const page2 = await json(await call("GET", `/reservations?consultation_slot_id=${later.id}&limit=2&offset=2`));
    expect(page2.data.map((r: Reservation) => r.nomor_antrian)).toEqual([3]);

    const first = inLater.data[0] as Reservation;
    await call("PATCH", `/reservations/${first.id}`, { body: { status: "cancelled" } });
    const cancelled = await json(await call("GET", `/reservations?consultation_slot_id=${later.id}&status=cancelled`));
    expect(cancelled.data.map((r: Reservation) => r.id)).toEqual([first.id]);
    const all = await json(await call("GET", `/reservations?consultation_slot_id=${later.id}`));
    expect(all.total).toBe(3);
  });

  it("rejects bad filters and ids", async () => {
    await expectProblem(await call("GET", "/reservations?status=lost"), 422, "validation_failed");
    await expectProblem(await call("GET", "/reservations?limit=101"), 422, "validation_failed");
    await expectProblem(await call("GET", "/reservations?patient_id=abc"), 422, "validation_failed");
    await expectProblem(await call("GET", "/reservations/abc"), 422, "validation_failed");
    await expectProblem(await call("GET", "/reservations/0"), 422, "validation_failed");
    await expectProblem(await call("GET", "/reservations/123456789"), 404, "not_found");
  });
});

describe("the status machine (SPEC §3)", () => {
  for (const from of STATUSES) {
    for (const to of STATUSES) {
      const expected = from === to ? "no-op 200" : ALLOWED[from]!.includes(to) ? "200" : "409 invalid_transition";
      it(`${from} → ${to}: ${expected}`, async () => {
        const reservation = await reservationIn(from);
        const response = await call("PATCH", `/reservations/${reservation.id}`, { body: { status: to } });
        if (expected === "409 invalid_transition") {
          await expectProblem(response, 409, "invalid_transition");
          const unchanged = await json<Reservation>(await call("GET", `/reservations/${reservation.id}`));
          expect(unchanged.status).toBe(from);
        } else {
          expect(response.status).toBe(200);
          expect((await json<Reservation>(response)).status).toBe(to);
        }
      });
    }
  }

  it("cancelling frees the place; other final statuses keep it", async () => {
    const slot = await createSlot({ kuota: 3 });
    const patients = await createPatients(3);
    const rs = [];
    for (const p of patients) rs.push(await json<Reservation>(await book(p.id, slot.id)));
    await call("PATCH", `/reservations/${rs[0]!.id}`, { body: { status: "served" } });
    await call("PATCH", `/reservations/${rs[1]!.id}`, { body: { status: "no_show" } });
    await call("PATCH", `/reservations/${rs[2]!.id}`, { body: { status: "cancelled" } });
    const view = await json(await call("GET", `/consultation-slots/${slot.id}`, { token: null }));
    expect(view).toMatchObject({ terisi: 2, sisa_kuota: 1 });
  });

  it("PATCH needs exactly one of status or consultation_slot_id", async () => {
    const reservation = await reservationIn("booked");
    await expectProblem(await call("PATCH", `/reservations/${reservation.id}`, { body: {} }), 422, "validation_failed");
    const other = await createSlot();
    await expectProblem(
      await call("PATCH", `/reservations/${reservation.id}`, { body: { status: "cancelled", consultation_slot_id: other.id } }),
      422,
      "validation_failed",
    );
    await expectProblem(
      await call("PATCH", `/reservations/${reservation.id}`, { body: { nomor_antrian: 9 } }),
      422,
      "validation_failed",
    );
    await expectProblem(await call("PATCH", "/reservations/99999999", { body: { status: "cancelled" } }), 404, "not_found");
  });
});

describe("moving a reservation (rule 7)", () => {
  it("gives a new number in the new slot and frees the old place", async () => {
    const from = await createSlot({ kuota: 1 });
    const to = await createSlot({ kuota: 5 });
    const [mover, other, waiting] = await createPatients(3);
    await book(other!.id, to.id);
    const reservation = await json<Reservation>(await book(mover!.id, from.id));
    await expectProblem(await book(waiting!.id, from.id), 409, "slot_full");

    const response = await call("PATCH", `/reservations/${reservation.id}`, { body: { consultation_slot_id: to.id } });
    expect(response.status).toBe(200);
    const moved = await json<Reservation>(response);
    expect(moved).toMatchObject({ id: reservation.id, consultation_slot_id: to.id, nomor_antrian: 2, status: "booked" });

    const freed = await json<Reservation>(await book(waiting!.id, from.id));
    expect(freed.nomor_antrian).toBe(2);
  });

  it("refuses when the target is full, closed, started or already holds the patient; only pending ones move", async () => {
    const patient = await createPatient();
    const reservation = await json<Reservation>(await book(patient.id, (await createSlot()).id));
    const full = await createSlot({ kuota: 1 });
    await book((await createPatient()).id, full.id);
    const move = (slotId: number) => call("PATCH", `/reservations/${reservation.id}`, { body: { consultation_slot_id: slotId } });
    await expectProblem(await move(full.id), 409, "slot_full");
    await expectProblem(await move((await createSlot({ ketersediaan: false })).id), 409, "slot_closed");
    await expectProblem(await move((await createSlot({ tanggal: dateInDays(-1) })).id), 409, "slot_in_past");
    await expectProblem(await move(987_654), 422, "slot_not_found");
    const holding = await createSlot();
    await book(patient.id, holding.id);
    await expectProblem(await move(holding.id), 409, "duplicate_reservation");

    const served = await reservationIn("served");
    await expectProblem(
      await call("PATCH", `/reservations/${served.id}`, { body: { consultation_slot_id: (await createSlot()).id } }),
      409,
      "invalid_transition",
    );
    const still = await json<Reservation>(await call("GET", `/reservations/${reservation.id}`));
    expect(still.nomor_antrian).toBe(reservation.nomor_antrian);
    expect(still.consultation_slot_id).toBe(reservation.consultation_slot_id);
  });
});

describe("deleting", () => {
  it("deletes a reservation: 204, then 404; the place is free and the number retired", async () => {
    const slot = await createSlot({ kuota: 1 });
    const [a, b] = await createPatients(2);
    const reservation = await json<Reservation>(await book(a!.id, slot.id));
    expect((await call("DELETE", `/reservations/${reservation.id}`)).status).toBe(204);
    await expectProblem(await call("GET", `/reservations/${reservation.id}`), 404, "not_found");
    await expectProblem(await call("DELETE", `/reservations/${reservation.id}`), 404, "not_found");
    expect((await json<Reservation>(await book(b!.id, slot.id))).nomor_antrian).toBe(2);
  });

  it("deleting a slot with only past reservations takes them along; its numbers are never reused", async () => {
    const slot = await createSlot({ kuota: 2 });
    const patient = await createPatient();
    const reservation = await json<Reservation>(await book(patient.id, slot.id));
    await expectProblem(await call("DELETE", `/consultation-slots/${slot.id}`), 409, "has_pending_reservations");
    await call("PATCH", `/reservations/${reservation.id}`, { body: { status: "served" } });
    expect((await call("DELETE", `/consultation-slots/${slot.id}`)).status).toBe(204);
    await expectProblem(await call("GET", `/reservations/${reservation.id}`), 404, "not_found");
    await expectProblem(await book(patient.id, slot.id), 422, "slot_not_found");
    const next = await createSlot();
    expect(next.id).toBeGreaterThan(slot.id);
  });
});

describe("Idempotency-Key (SPEC §5)", () => {
  it("replays the first answer for the same key and body, without booking again", async () => {
    const slot = await createSlot({ kuota: 5 });
    const patient = await createPatient();
    const key = crypto.randomUUID();
    const first = await book(patient.id, slot.id, { "Idempotency-Key": key });
    expect(first.status).toBe(201);
    const firstBody = await first.text();
    // Same JSON, other key order: still the same request.
    const repeat = await call("POST", "/reservations", {
      rawBody: JSON.stringify({ consultation_slot_id: slot.id, patient_id: patient.id }),
      headers: { "Idempotency-Key": key, "Content-Type": "application/json" },
    });
    expect(repeat.status).toBe(201);
    expect(repeat.headers.get("Idempotent-Replayed")).toBe("true");
    expect(repeat.headers.get("Location")).toBe(first.headers.get("Location"));
    expect(await repeat.text()).toBe(firstBody);
    const list = await json(await call("GET", `/reservations?consultation_slot_id=${slot.id}`));
    expect(list.total).toBe(1);
  });

  it("replays a refusal too", async () => {
    const slot = await createSlot({ ketersediaan: false });
    const patient = await createPatient();
    const key = crypto.randomUUID();
    await expectProblem(await book(patient.id, slot.id, { "Idempotency-Key": key }), 409, "slot_closed");
    await call("PATCH", `/consultation-slots/${slot.id}`, { body: { ketersediaan: true } });
    const repeat = await book(patient.id, slot.id, { "Idempotency-Key": key });
    expect(repeat.headers.get("Idempotent-Replayed")).toBe("true");
    await expectProblem(repeat, 409, "slot_closed");
  });

  it("the same key with another body is 422 idempotency_key_reused", async () => {
    const slot = await createSlot();
    const [a, b] = await createPatients(2);
    const key = crypto.randomUUID();
    expect((await book(a!.id, slot.id, { "Idempotency-Key": key })).status).toBe(201);
    await expectProblem(await book(b!.id, slot.id, { "Idempotency-Key": key }), 422, "idempotency_key_reused");
  });

  it("a request refused by validation is not stored under its key", async () => {
    const slot = await createSlot();
    const patient = await createPatient();
    const key = crypto.randomUUID();
    await expectProblem(
      await call("POST", "/reservations", { body: { patient_id: "x", consultation_slot_id: slot.id }, headers: { "Idempotency-Key": key } }),
      422,
      "validation_failed",
    );
    await expectProblem(await book(999_999, slot.id, { "Idempotency-Key": key }), 422, "patient_not_found");
    const ok = await book(patient.id, slot.id, { "Idempotency-Key": key });
    expect(ok.status).toBe(201);
    expect(ok.headers.get("Idempotent-Replayed")).toBeNull();
  });

  it("keys are scoped to the caller's token, and must be 1–255 characters", async () => {
    const slot = await createSlot();
    const [a, b] = await createPatients(2);
    const key = crypto.randomUUID();
    expect((await book(a!.id, slot.id, { "Idempotency-Key": key })).status).toBe(201);
    const other = await call("POST", "/reservations", {
      token: "second-token",
      body: { patient_id: b!.id, consultation_slot_id: slot.id },
      headers: { "Idempotency-Key": key },
    });
    expect(other.status).toBe(201);
    expect(other.headers.get("Idempotent-Replayed")).toBeNull();
    await expectProblem(await book(b!.id, slot.id, { "Idempotency-Key": "k".repeat(256) }), 422, "validation_failed");
  });
});

describe("Idempotency-Key housekeeping", () => {
  it("the daily cron deletes keys older than 24 hours and keeps the rest", async () => {
    const { default: worker } = await import("../src/index");
    const { createScheduledController, createExecutionContext, waitOnExecutionContext } = await import("cloudflare:test");
    const { env } = await import("cloudflare:workers");
    const old = new Date(Date.now() - 25 * 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    await env.DB.prepare(
      "INSERT INTO idempotency_keys (token_hash, idempotency_key, request_hash, response_status, response_body, created_at) VALUES ('t', 'old', 'h', 201, '{}', ?), ('t', 'new', 'h', 201, '{}', strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
    )
      .bind(old)
      .run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController(), env, ctx);
    await waitOnExecutionContext(ctx);
    const { results } = await env.DB.prepare("SELECT idempotency_key FROM idempotency_keys WHERE token_hash = 't'").all<{ idempotency_key: string }>();
    expect(results.map((r) => r.idempotency_key)).toEqual(["new"]);
  });
});
