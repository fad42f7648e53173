/**
 * Edges a hostile client found by black-box review against SPEC: each was
 * answered wrongly once, and each is pinned here.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { averageServiceMinutes } from "../src/queue/estimates";
import { book, call, createPatient, createSlot, expectProblem, json, patientInput } from "./helpers";

describe("query parameters are read strictly (§6: a bad query parameter is 422)", () => {
  for (const query of ["limit=1e1", "offset=0x10", "offset=1e3", "limit=%201", "offset=", "limit=", "limit=1&limit=2"]) {
    it(`/consultation-slots?${query} → 422`, async () => {
      const problem = await expectProblem(await call("GET", `/consultation-slots?${query}`, { token: null }), 422, "validation_failed");
      expect(problem.errors?.[0]?.message).not.toMatch(/NaN|received/);
    });
  }

  it("a repeated parameter says it must be given once", async () => {
    const problem = await expectProblem(await call("GET", "/patients?limit=1&limit=2"), 422, "validation_failed");
    expect(problem.errors).toContainEqual({ path: "limit", message: "must be given once" });
  });

  it("ids in filters are plain decimal digits", async () => {
    await expectProblem(await call("GET", "/reservations?patient_id=0x1"), 422, "validation_failed");
    await expectProblem(await call("GET", "/reservations?consultation_slot_id=1e2"), 422, "validation_failed");
  });
});

describe("data a clinic would not accept (§3)", () => {
  it("no control characters in a name; a phone number must be plausible; year 0000 is not a date", async () => {
    const invalid = [
      { nama: "\u0000Siti" },
      { nomor_telepon: "+6200000000" },
      { nomor_telepon: "0812--3456" },
    ];
    for (const overrides of invalid) {
      await expectProblem(await call("POST", "/patients", { body: patientInput(overrides) }), 422, "validation_failed");
    }
    expect((await call("POST", "/patients", { body: patientInput({ nomor_telepon: "(021) 555-0199" }) })).status).toBe(201);
    await expectProblem(
      await call("POST", "/consultation-slots", { body: { tanggal: "0000-01-01", waktu: "09:00" } }),
      422,
      "validation_failed",
    );
    await expectProblem(await call("GET", "/patients?q=%00"), 422, "validation_failed");
  });

  it("JSON must be UTF-8: invalid bytes are 400 and nothing is stored", async () => {
    const before = await json(await call("GET", "/patients?limit=1"));
    const bytes = new Uint8Array([...new TextEncoder().encode('{"nama":"'), 0xff, 0xfe, ...new TextEncoder().encode('x","email":"utf@example.id","nomor_telepon":"081234567890"}')]);
    await expectProblem(
      await call("POST", "/patients", { rawBody: bytes, headers: { "Content-Type": "application/json" } }),
      400,
      "malformed_json",
    );
    const ok = await call("POST", "/patients", {
      rawBody: JSON.stringify(patientInput()),
      headers: { "Content-Type": "application/json; charset=utf-8" },
    });
    expect(ok.status).toBe(201);
    const after = await json(await call("GET", "/patients?limit=1"));
    expect(after.total).toBe(before.total + 1);
  });
});

describe("the queue (§10)", () => {
  it("a called reservation cannot move to another slot (it would be called twice)", async () => {
    const slot = await createSlot({ kuota: 3 });
    const other = await createSlot({ kuota: 3 });
    const patient = await createPatient();
    const reservation = await json(await book(patient.id, slot.id));
    expect((await call("POST", `/consultation-slots/${slot.id}/queue/next`)).status).toBe(200);
    await expectProblem(
      await call("PATCH", `/reservations/${reservation.id}`, { body: { consultation_slot_id: other.id } }),
      409,
      "invalid_transition",
    );
    const still = await json(await call("GET", `/reservations/${reservation.id}`));
    expect(still.consultation_slot_id).toBe(slot.id);
    await expectProblem(await call("POST", `/consultation-slots/${other.id}/queue/next`), 409, "queue_empty");
  });

  it("calls clicked through in one go never teach an average below a minute", () => {
    const t = "2027-01-04T02:00:00Z";
    expect(
      averageServiceMinutes({ tanggal: "2027-01-04", waktu: "09:00", durasi_menit: 15, calls: { count: 4, first: t, last: t }, servedCount: 3 }),
    ).toBe(1);
  });

  it("the live stream of an unknown slot is 404 even without Upgrade", async () => {
    await expectProblem(await call("GET", "/consultation-slots/99999999/queue/live", { token: null }), 404, "not_found");
  });
});

describe("messages a person can act on (§6)", () => {
  it("PATCH /reservations/{id} says what to send", async () => {
    const slot = await createSlot();
    const reservation = await json(await book((await createPatient()).id, slot.id));
    const empty = await expectProblem(await call("PATCH", `/reservations/${reservation.id}`, { body: {} }), 422, "validation_failed");
    expect(empty.detail).toMatch(/send status .* or consultation_slot_id/);
    expect(empty.detail).not.toMatch(/not both/);
    const both = await expectProblem(
      await call("PATCH", `/reservations/${reservation.id}`, { body: { status: "cancelled", consultation_slot_id: slot.id } }),
      422,
      "validation_failed",
    );
    expect(both.detail).toMatch(/not both/);
  });
});

describe("rate limiting (§9)", () => {
  it("guessing a new token on every request is limited by IP", async () => {
    const statuses: number[] = [];
    // wrangler.toml allows 300 requests a minute per IP without a valid token.
    for (let i = 0; i < 340; i++) {
      const ctx = createExecutionContext();
      const response = await createApp().fetch(
        new Request("http://antrian.test/patients", {
          headers: { Authorization: `Bearer guess-${i}`, "CF-Connecting-IP": "203.0.113.7" },
        }),
        { ...env, RATE_LIMIT: "on" },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      statuses.push(response.status);
    }
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThan(250);
    expect(statuses).toContain(429);
  });
});
