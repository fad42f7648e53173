/**
 * Faults (SPEC §5, issue "Hardening"): each ends with the booking rules intact,
 * D1 consistent with what clients were told, and a 5xx only where the outcome
 * is really unknown (503 with Retry-After).
 */
import { evictDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { slotBooker } from "../src/slot-booker/slot-booker";
import { book, call, createPatient, createPatients, createSlot, json, TOKEN } from "./helpers";

async function rulesHold(slotId: number) {
  const slot = await env.DB.prepare("SELECT kuota, nomor_terakhir FROM consultation_slots WHERE id = ?")
    .bind(slotId)
    .first<{ kuota: number; nomor_terakhir: number }>();
  const { results } = await env.DB.prepare(
    "SELECT id, patient_id, nomor_antrian, status FROM reservations WHERE consultation_slot_id = ?",
  )
    .bind(slotId)
    .all<{ id: number; patient_id: number; nomor_antrian: number; status: string }>();
  const holding = results.filter((r) => r.status !== "cancelled");
  if (slot) {
    expect(holding.length).toBeLessThanOrEqual(slot.kuota);
    expect(Math.max(0, ...results.map((r) => r.nomor_antrian))).toBeLessThanOrEqual(slot.nomor_terakhir);
  }
  expect(new Set(results.map((r) => r.nomor_antrian)).size).toBe(results.length);
  expect(new Set(holding.map((r) => r.patient_id)).size).toBe(holding.length);
  return results;
}

/** Every 201 is in D1; every other answer is a refusal or a 503 that says to retry. */
async function toldMatchesStored(responses: Response[], slotId: number) {
  const rows = await rulesHold(slotId);
  const ids = new Set(rows.map((r) => r.id));
  let created = 0;
  for (const response of responses) {
    const body = await response.json<any>();
    if (response.status === 201) {
      created += 1;
      expect(ids.has(body.id)).toBe(true);
    } else if (response.status >= 500) {
      expect(response.status).toBe(503);
      expect(response.headers.get("Retry-After")).toBeTruthy();
      expect(body.code).toBe("service_unavailable");
    } else {
      expect(response.status).toBe(409);
    }
  }
  // A 503 may hide a booking that did land (outcome unknown): never the other way round.
  expect(rows.length).toBeGreaterThanOrEqual(created);
  return { rows, created };
}

describe("faults", () => {
  it("the slot object evicted in the middle of a burst keeps every rule", async () => {
    const slot = await createSlot({ kuota: 60 });
    const patients = await createPatients(200);
    let answered = 0;
    let eviction: Promise<void> | undefined;
    const responses = await Promise.all(
      patients.map((p) =>
        book(p.id, slot.id).then((response) => {
          // Once a few bookings are in, tear the object down while the rest are in flight.
          if (++answered === 20) eviction = evictDurableObject(slotBooker(env, slot.id));
          return response;
        }),
      ),
    );
    await eviction;
    expect(eviction).toBeDefined();
    const { rows, created } = await toldMatchesStored(responses, slot.id);
    expect(created).toBe(60);
    expect(rows.map((r) => r.nomor_antrian).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    // The rebuilt object continues the numbering after a cancellation.
    await call("PATCH", `/reservations/${rows[0]!.id}`, { body: { status: "cancelled" } });
    expect((await json(await book((await createPatient()).id, slot.id))).nomor_antrian).toBe(61);
  });

  it("clients that hang up mid-request leave D1 consistent, and a retry tells them where they stand", async () => {
    const slot = await createSlot({ kuota: 10 });
    const patients = await createPatients(20);
    const attempts = patients.map(async (p) => {
      const controller = new AbortController();
      const request = exports.default.fetch(
        new Request("http://antrian.test/reservations", {
          method: "POST",
          headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
          body: JSON.stringify({ patient_id: p.id, consultation_slot_id: slot.id }),
          signal: controller.signal,
        }),
      );
      controller.abort();
      return request.then(
        (r) => r.status,
        () => "aborted" as const,
      );
    });
    await Promise.all(attempts);
    // Let anything the object was still doing finish, then look.
    await call("GET", `/consultation-slots/${slot.id}/queue`, { token: null });
    const rows = await rulesHold(slot.id);
    // Retrying: either the place is theirs (duplicate) or they get one now, or the slot is full.
    for (const p of patients) {
      const retry = await book(p.id, slot.id);
      const held = rows.some((r) => r.patient_id === p.id);
      if (held) expect((await json(retry)).code).toBe("duplicate_reservation");
      else expect([201, 409]).toContain(retry.status);
    }
    const after = await rulesHold(slot.id);
    expect(after.filter((r) => r.status !== "cancelled")).toHaveLength(10);
  });

  it("requests reaching the object after its slot was deleted are refused, and nothing is written", async () => {
    const slot = await createSlot({ kuota: 50 });
    const patients = await createPatients(60);
    const deletion = call("DELETE", `/consultation-slots/${slot.id}`);
    const bookings = patients.map((p) => book(p.id, slot.id));
    const [deleted, ...responses] = await Promise.all([deletion, ...bookings]);
    const statuses = await Promise.all(responses.map(async (r) => `${r.status} ${(await r.json<any>()).code ?? ""}`.trim()));
    const { results } = await env.DB.prepare("SELECT count(*) AS n FROM reservations WHERE consultation_slot_id = ?")
      .bind(slot.id)
      .all<{ n: number }>();
    if (deleted.status === 204) {
      // Bookings serialised before the delete would have blocked it; so every booking came after.
      expect(new Set(statuses)).toEqual(new Set(["422 slot_not_found"]));
      expect(results[0]!.n).toBe(0);
    } else {
      expect(deleted.status).toBe(409);
      expect(results[0]!.n).toBe(statuses.filter((s) => s.startsWith("201")).length);
    }
    // Once gone, every change through its object is refused cleanly.
    if (deleted.status === 204) {
      expect((await call("PATCH", `/consultation-slots/${slot.id}`, { body: { kuota: 5 } })).status).toBe(404);
      expect((await call("POST", `/consultation-slots/${slot.id}/queue/next`)).status).toBe(404);
    }
  });
});
