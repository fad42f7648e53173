/** Running the queue on the day (SPEC §10): status, calling next, positions and estimates, the live stream. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { averageServiceMinutes, estimatedCall } from "../src/queue/estimates";
import { book, call, createPatients, createSlot, dateInDays, expectProblem, json } from "./helpers";

interface Reservation {
  id: number;
  nomor_antrian: number;
  status: string;
  posisi: number | null;
  estimasi_dilayani: string | null;
}

async function slotWithBookings(n: number, overrides: Record<string, unknown> = {}) {
  const slot = await createSlot({ kuota: Math.max(n, 1), ...overrides });
  const patients = await createPatients(n);
  const reservations: Reservation[] = [];
  for (const p of patients) reservations.push(await json<Reservation>(await book(p.id, slot.id)));
  return { slot, reservations };
}

const queueOf = async (slotId: number) => json(await call("GET", `/consultation-slots/${slotId}/queue`, { token: null }));
const callNext = (slotId: number) => call("POST", `/consultation-slots/${slotId}/queue/next`);
const reservation = async (id: number) => json<Reservation>(await call("GET", `/reservations/${id}`));

describe("queue status", () => {
  it("shows every field of §10, before and after bookings", async () => {
    const slot = await createSlot({ kuota: 5, durasi_menit: 12 });
    expect(await queueOf(slot.id)).toMatchObject({
      consultation_slot_id: slot.id,
      kuota: 5,
      terisi: 0,
      sisa_kuota: 5,
      nomor_terakhir: 0,
      sedang_dilayani: null,
      menunggu: 0,
      rata_rata_layanan_menit: 12,
    });
    const patients = await createPatients(3);
    for (const p of patients) await book(p.id, slot.id);
    const status = await queueOf(slot.id);
    expect(status).toMatchObject({ terisi: 3, sisa_kuota: 2, nomor_terakhir: 3, menunggu: 3, sedang_dilayani: null });
    expect(status.updated_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    await expectProblem(await call("GET", "/consultation-slots/99999999/queue", { token: null }), 404, "not_found");
  });
});

describe("calling the next patient", () => {
  it("calls in number order; the previous one becomes served; the called one keeps its status", async () => {
    const { slot, reservations } = await slotWithBookings(3);
    await call("PATCH", `/reservations/${reservations[1]!.id}`, { body: { status: "checked_in" } });

    const first = await json<Reservation>(await callNext(slot.id));
    expect(first).toMatchObject({ id: reservations[0]!.id, nomor_antrian: 1, status: "booked", posisi: null });
    expect((await queueOf(slot.id)).sedang_dilayani).toBe(1);

    const second = await json<Reservation>(await callNext(slot.id));
    expect(second).toMatchObject({ nomor_antrian: 2, status: "checked_in" });
    expect((await reservation(reservations[0]!.id)).status).toBe("served");
    expect(await queueOf(slot.id)).toMatchObject({ sedang_dilayani: 2, menunggu: 1 });
  });

  it("skips cancelled reservations and keeps a final status staff already gave", async () => {
    const { slot, reservations } = await slotWithBookings(4);
    await call("PATCH", `/reservations/${reservations[1]!.id}`, { body: { status: "cancelled" } });
    expect((await json<Reservation>(await callNext(slot.id))).nomor_antrian).toBe(1);
    await call("PATCH", `/reservations/${reservations[0]!.id}`, { body: { status: "no_show" } });
    expect((await json<Reservation>(await callNext(slot.id))).nomor_antrian).toBe(3);
    expect((await reservation(reservations[0]!.id)).status).toBe("no_show");
  });

  it("answers 409 queue_empty when nobody is left, changing nothing", async () => {
    const { slot, reservations } = await slotWithBookings(1);
    await callNext(slot.id);
    const before = await queueOf(slot.id);
    await expectProblem(await callNext(slot.id), 409, "queue_empty");
    expect((await reservation(reservations[0]!.id)).status).toBe("booked");
    expect(await queueOf(slot.id)).toEqual(before);
    await expectProblem(await callNext((await createSlot()).id), 409, "queue_empty");
    await expectProblem(await callNext(99_999_999), 404, "not_found");
    await expectProblem(await call("POST", `/consultation-slots/${slot.id}/queue/next`, { token: null }), 401, "unauthorized");
  });

  it("concurrent calls never skip a number or call one twice", async () => {
    const { slot, reservations } = await slotWithBookings(30);
    const responses = await Promise.all(Array.from({ length: 40 }, () => callNext(slot.id)));
    const called = await Promise.all(responses.filter((r) => r.status === 200).map((r) => json<Reservation>(r)));
    const refused = await Promise.all(responses.filter((r) => r.status !== 200).map((r) => r.json<any>()));
    expect(called.map((r) => r.nomor_antrian).sort((a, b) => a - b)).toEqual(reservations.map((r) => r.nomor_antrian));
    expect(refused.map((r) => r.code)).toEqual(Array(10).fill("queue_empty"));
    const { results } = await env.DB.prepare(
      "SELECT status, count(*) AS n FROM reservations WHERE consultation_slot_id = ? GROUP BY status",
    )
      .bind(slot.id)
      .all<{ status: string; n: number }>();
    expect(Object.fromEntries(results.map((r) => [r.status, r.n]))).toEqual({ served: 29, booked: 1 });
  });
});

describe("posisi and estimasi_dilayani", () => {
  it("pure estimate: durasi_menit until three were served, then the real intervals between calls", () => {
    const base = { tanggal: "2027-01-04", waktu: "09:00", durasi_menit: 10 };
    // Four calls, 6 minutes apart.
    const calls = { count: 4, first: "2027-01-04T02:00:00Z", last: "2027-01-04T02:18:00Z" };
    expect(averageServiceMinutes({ ...base, calls, servedCount: 2 })).toBe(10);
    expect(averageServiceMinutes({ ...base, calls, servedCount: 3 })).toBe(6);
    // Before the slot starts (09:00 WIB = 02:00Z) the estimate counts from the start…
    const early = new Date("2027-01-04T01:00:00Z");
    expect(estimatedCall({ ...base, calls: { count: 0, first: null, last: null }, servedCount: 0 }, 2, "Asia/Jakarta", early)).toBe("2027-01-04T02:20:00Z");
    // …and once it has started, from now.
    const during = new Date("2027-01-04T02:30:00Z");
    expect(estimatedCall({ ...base, calls, servedCount: 3 }, 2, "Asia/Jakarta", during)).toBe("2027-01-04T02:42:00Z");
  });

  it("waiting reservations show their place and a time; called, served and cancelled ones show null", async () => {
    const tanggal = dateInDays(20);
    const { slot, reservations } = await slotWithBookings(5, { tanggal, waktu: "09:00", durasi_menit: 15 });
    await call("PATCH", `/reservations/${reservations[2]!.id}`, { body: { status: "cancelled" } });
    await callNext(slot.id);

    const list = await json(await call("GET", `/reservations?consultation_slot_id=${slot.id}`));
    const byNumber = Object.fromEntries(list.data.map((r: Reservation) => [r.nomor_antrian, r]));
    expect(byNumber[1]).toMatchObject({ posisi: null, estimasi_dilayani: null });
    expect(byNumber[3]).toMatchObject({ status: "cancelled", posisi: null, estimasi_dilayani: null });
    expect(byNumber[2].posisi).toBe(0);
    expect(byNumber[4].posisi).toBe(1);
    expect(byNumber[5].posisi).toBe(2);
    // The slot starts at 09:00 clinic time (UTC+7), in the future: estimates count from the start.
    const start = Date.parse(`${tanggal}T02:00:00Z`);
    expect(Date.parse(byNumber[2].estimasi_dilayani)).toBe(start);
    expect(Date.parse(byNumber[5].estimasi_dilayani)).toBe(start + 2 * 15 * 60_000);
  });

  it("learns the service time from the calls once three patients were served", async () => {
    const tanggal = dateInDays(21);
    const { slot, reservations } = await slotWithBookings(6, { tanggal, waktu: "10:00", durasi_menit: 20 });
    for (let i = 0; i < 4; i++) await callNext(slot.id);
    // Spread the recorded calls 4 minutes apart, as if the day had run at that pace.
    for (const [i, r] of reservations.slice(0, 4).entries()) {
      await env.DB.prepare("UPDATE reservations SET called_at = ? WHERE id = ?")
        .bind(new Date(Date.parse(`${tanggal}T03:00:00Z`) + i * 4 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z"), r.id)
        .run();
    }
    expect((await queueOf(slot.id)).rata_rata_layanan_menit).toBe(4);
    const sixth = await reservation(reservations[5]!.id);
    expect(sixth.posisi).toBe(1);
    expect(Date.parse(sixth.estimasi_dilayani!)).toBe(Date.parse(`${tanggal}T03:00:00Z`) + 4 * 60_000);
  });
});

describe("the live queue (WebSocket)", () => {
  async function connect(slotId: number) {
    const response = await call("GET", `/consultation-slots/${slotId}/queue/live`, {
      token: null,
      headers: { Upgrade: "websocket" },
    });
    expect(response.status).toBe(101);
    const socket = response.webSocket!;
    const messages: any[] = [];
    socket.addEventListener("message", (event) => messages.push(JSON.parse(event.data as string)));
    socket.accept();
    return { socket, messages };
  }

  async function until(check: () => boolean, what: string) {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check(), what).toBe(true);
  }

  it("sends the status on connect, then a booking, a cancel and a call, in order", async () => {
    const slot = await createSlot({ kuota: 5 });
    const [a, b] = await createPatients(2);
    const { socket, messages } = await connect(slot.id);
    await until(() => messages.length === 1, "status on connect");
    expect(messages[0]).toMatchObject({ type: "queue", data: { terisi: 0, nomor_terakhir: 0 } });

    const first = await json<Reservation>(await book(a!.id, slot.id));
    await book(b!.id, slot.id);
    await call("PATCH", `/reservations/${first.id}`, { body: { status: "cancelled" } });
    await callNext(slot.id);
    await until(() => messages.length === 5, "four changes");
    expect(messages.map((m) => [m.data.terisi, m.data.menunggu, m.data.sedang_dilayani])).toEqual([
      [0, 0, null],
      [1, 1, null],
      [2, 2, null],
      [1, 1, null],
      [1, 0, 2],
    ]);
    socket.close(1000, "done");
  });

  it("200 screens on one slot all receive each change", async () => {
    const slot = await createSlot({ kuota: 5 });
    const screens = await Promise.all(Array.from({ length: 200 }, () => connect(slot.id)));
    await until(() => screens.every((s) => s.messages.length === 1), "every screen connected");
    const [patient] = await createPatients(1);
    await book(patient!.id, slot.id);
    await until(() => screens.every((s) => s.messages.length === 2), "every screen got the booking");
    for (const s of screens) expect(s.messages[1].data.terisi).toBe(1);
    for (const s of screens) s.socket.close(1000, "done");
  });

  it("a plain GET is told to upgrade; an unknown slot is 404", async () => {
    await expectProblem(await call("GET", "/consultation-slots/1/queue/live", { token: null }), 426, "upgrade_required");
    await expectProblem(
      await call("GET", "/consultation-slots/99999999/queue/live", { token: null, headers: { Upgrade: "websocket" } }),
      404,
      "not_found",
    );
  });
});

describe("waiting-room display page", () => {
  it("is a self-contained HTML page that connects to the live queue", async () => {
    const slot = await createSlot();
    const response = await call("GET", `/display/${slot.id}`, { token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    const html = await response.text();
    expect(html).toContain(`/queue/live`);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="https?:/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    await expectProblem(await call("GET", "/display/99999999", { token: null }), 404, "not_found");
  });
});
