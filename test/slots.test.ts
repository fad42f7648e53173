/**
 * /consultation-slots against SPEC §3 (Slot Konsultasi), §4 (routes, lists,
 * PUT/PATCH, delete), §6 and §10 (durasi_menit). Slots that a filter must see
 * alone are put on dates that only their test uses (uniqueDates).
 */
import { describe, expect, it } from "vitest";
import {
  book,
  bookPlace,
  call,
  createPatient,
  createSlot,
  expectProblem,
  ISO_UTC,
  json,
  setReservationStatus,
  uniqueDate,
  uniqueDates,
} from "./helpers";

interface Slot {
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

interface Page<T> {
  data: T[];
  total: number;
  limit: number;
  offset: number;
}

async function post(body: Record<string, unknown>): Promise<Response> {
  return call("POST", "/consultation-slots", { body });
}

async function newSlot(overrides: Record<string, unknown> = {}): Promise<Slot> {
  return (await createSlot({ tanggal: uniqueDate(), ...overrides })) as Slot;
}

async function getSlot(id: number): Promise<Slot> {
  const response = await call("GET", `/consultation-slots/${id}`);
  expect(response.status, await response.clone().text()).toBe(200);
  return json<Slot>(response);
}

async function list(query: string): Promise<Page<Slot>> {
  const response = await call("GET", `/consultation-slots${query}`);
  expect(response.status, await response.clone().text()).toBe(200);
  return json<Page<Slot>>(response);
}

const ids = (page: Page<Slot>) => page.data.map((s) => s.id);

/** Clinic wall-clock time (Asia/Jakarta, UTC+7 all year) `minutes` from now, as tanggal and waktu. */
function jakartaIn(minutes: number): { tanggal: string; waktu: string } {
  const wall = new Date(Date.now() + 7 * 3_600_000 + minutes * 60_000).toISOString();
  return { tanggal: wall.slice(0, 10), waktu: wall.slice(11, 16) };
}

/** A slot with kuota 1 whose one place is taken. */
async function fullSlot(overrides: Record<string, unknown> = {}) {
  const slot = await newSlot({ kuota: 1, ...overrides });
  const reservation = await bookPlace((await createPatient()).id, slot.id);
  return { slot: await getSlot(slot.id), reservation };
}

describe("POST /consultation-slots", () => {
  it("creates a slot with the defaults: kuota 20, ketersediaan true, durasi_menit 10", async () => {
    const tanggal = uniqueDate();
    const response = await post({ tanggal, waktu: "09:00" });
    expect(response.status, await response.clone().text()).toBe(201);
    const slot = await json<Slot>(response);
    expect(slot).toMatchObject({
      tanggal,
      waktu: "09:00",
      kuota: 20,
      ketersediaan: true,
      durasi_menit: 10,
      terisi: 0,
      sisa_kuota: 20,
      dapat_dipesan: true,
    });
    expect(Number.isInteger(slot.id) && slot.id > 0).toBe(true);
    expect(slot.created_at).toMatch(ISO_UTC);
    expect(slot.updated_at).toMatch(ISO_UTC);
    expect(response.headers.get("Location")).toBe(`/consultation-slots/${slot.id}`);
    expect(await getSlot(slot.id)).toEqual(slot);
  });

  it("keeps the values it is given", async () => {
    const tanggal = uniqueDate();
    const slot = await json<Slot>(
      await post({ tanggal, waktu: "13:45", kuota: 7, ketersediaan: false, durasi_menit: 25 }),
    );
    expect(slot).toMatchObject({
      tanggal,
      waktu: "13:45",
      kuota: 7,
      ketersediaan: false,
      durasi_menit: 25,
      terisi: 0,
      sisa_kuota: 7,
      dapat_dipesan: false,
    });
  });

  it("accepts a slot in the past (history), which cannot be booked", async () => {
    const slot = await newSlot({ tanggal: uniqueDate({ past: true }), waktu: "10:00" });
    expect(slot).toMatchObject({ ketersediaan: true, terisi: 0, sisa_kuota: 20, dapat_dipesan: false });
    await expectProblem(await book((await createPatient()).id, slot.id), 409, "slot_in_past");
  });

  it.each([
    ["1", 1],
    ["1000", 1000],
  ])("accepts kuota %s", async (_label, kuota) => {
    expect((await newSlot({ kuota })).kuota).toBe(kuota);
  });

  it.each([1, 240])("accepts durasi_menit %s", async (durasi_menit) => {
    expect((await newSlot({ durasi_menit })).durasi_menit).toBe(durasi_menit);
  });

  it.each(["00:00", "23:59", "12:30"])("accepts waktu %s", async (waktu) => {
    expect((await newSlot({ waktu })).waktu).toBe(waktu);
  });

  it("accepts 29 February in a leap year", async () => {
    expect((await createSlot({ tanggal: "2096-02-29" })).tanggal).toBe("2096-02-29");
  });

  it.each([
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "2026-01-32",
    "2026-04-31",
    "2027-02-29",
    "2026-1-05",
    "26-01-05",
    "05-01-2026",
    "2026/01/05",
    "2026-01-05T09:00",
    "",
    20260105,
    null,
  ])("refuses tanggal %j with 422 naming tanggal", async (tanggal) => {
    const problem = await expectProblem(await post({ tanggal, waktu: "09:00" }), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toEqual(["tanggal"]);
  });

  it.each(["24:00", "9:00", "09:60", "09:00:00", "9am", "12:5", "-1:00", "", 900, null])(
    "refuses waktu %j with 422 naming waktu",
    async (waktu) => {
      const problem = await expectProblem(await post({ tanggal: uniqueDate(), waktu }), 422, "validation_failed");
      expect(problem.errors?.map((e) => e.path)).toEqual(["waktu"]);
    },
  );

  it.each([0, 1001, 1.5, -1, "20", null])("refuses kuota %j with 422 naming kuota", async (kuota) => {
    const problem = await expectProblem(await post({ tanggal: uniqueDate(), waktu: "09:00", kuota }), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toEqual(["kuota"]);
  });

  it.each([0, 241, 2.5, "10", null])("refuses durasi_menit %j with 422 naming durasi_menit", async (durasi_menit) => {
    const problem = await expectProblem(
      await post({ tanggal: uniqueDate(), waktu: "09:00", durasi_menit }),
      422,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(["durasi_menit"]);
  });

  it.each(["true", 1, null])("refuses ketersediaan %j with 422", async (ketersediaan) => {
    const problem = await expectProblem(
      await post({ tanggal: uniqueDate(), waktu: "09:00", ketersediaan }),
      422,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(["ketersediaan"]);
  });

  it.each(["tanggal", "waktu"])("refuses a body without %s", async (field) => {
    const body: Record<string, unknown> = { tanggal: uniqueDate(), waktu: "09:00" };
    delete body[field];
    const problem = await expectProblem(await post(body), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toEqual([field]);
  });

  it.each([
    ["id", 1],
    ["terisi", 0],
    ["sisa_kuota", 20],
    ["dapat_dipesan", true],
    ["created_at", "2026-01-01T00:00:00Z"],
    ["updated_at", "2026-01-01T00:00:00Z"],
    ["dokter", "dr. Sari"],
  ])("refuses a body with %s (read-only or unknown)", async (field, value) => {
    const problem = await expectProblem(
      await post({ tanggal: uniqueDate(), waktu: "09:00", [field]: value }),
      422,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path)).toEqual([field]);
  });
});

describe("GET /consultation-slots", () => {
  it("returns the list envelope with the default limit 20 and offset 0", async () => {
    await newSlot();
    const page = await list("");
    expect(Object.keys(page).sort()).toEqual(["data", "limit", "offset", "total"]);
    expect(page).toMatchObject({ limit: 20, offset: 0 });
    expect(page.total).toBeGreaterThanOrEqual(1);
    expect(page.data.length).toBe(Math.min(20, page.total));
  });

  it("filters on tanggal", async () => {
    const [day, nextDay] = uniqueDates(2) as [string, string];
    const a = await createSlot({ tanggal: day, waktu: "08:00" });
    const b = await createSlot({ tanggal: day, waktu: "09:00" });
    await createSlot({ tanggal: nextDay, waktu: "08:00" });
    const page = await list(`?tanggal=${day}`);
    expect(ids(page)).toEqual([a.id, b.id]);
    expect(page.total).toBe(2);
    expect(page.data.every((s) => s.tanggal === day)).toBe(true);
  });

  it("filters on dari and sampai, both inclusive", async () => {
    const days = uniqueDates(5);
    const slots = [];
    for (const tanggal of days) slots.push(await createSlot({ tanggal, waktu: "10:00" }));
    const page = await list(`?dari=${days[1]}&sampai=${days[3]}`);
    expect(ids(page)).toEqual([slots[1]!.id, slots[2]!.id, slots[3]!.id]);
    expect(page.total).toBe(3);
    expect(ids(await list(`?dari=${days[2]}&sampai=${days[2]}`))).toEqual([slots[2]!.id]);

    const from = await list(`?dari=${days[3]}&limit=100`);
    expect(from.data.every((s) => s.tanggal >= days[3]!)).toBe(true);
    expect(ids(from)).toEqual(expect.arrayContaining([slots[3]!.id, slots[4]!.id]));
    expect(ids(from)).not.toContain(slots[2]!.id);

    const until = await list(`?sampai=${days[1]}&limit=100`);
    expect(until.data.every((s) => s.tanggal <= days[1]!)).toBe(true);
    expect(ids(until)).not.toContain(slots[2]!.id);
  });

  it("refuses dari after sampai with 422", async () => {
    const [early, late] = uniqueDates(2) as [string, string];
    await expectProblem(await call("GET", `/consultation-slots?dari=${late}&sampai=${early}`), 422, "validation_failed");
  });

  it("filters on ketersediaan", async () => {
    const tanggal = uniqueDate();
    const open = await createSlot({ tanggal, waktu: "08:00" });
    const closed = await createSlot({ tanggal, waktu: "09:00", ketersediaan: false });
    expect(ids(await list(`?tanggal=${tanggal}&ketersediaan=true`))).toEqual([open.id]);
    expect(ids(await list(`?tanggal=${tanggal}&ketersediaan=false`))).toEqual([closed.id]);
  });

  it("ketersediaan=true still lists a full slot (the switch is not the capacity)", async () => {
    const { slot } = await fullSlot();
    expect(ids(await list(`?tanggal=${slot.tanggal}&ketersediaan=true`))).toEqual([slot.id]);
  });

  it("filters on dapat_dipesan: a closed slot and a full slot are not bookable", async () => {
    const tanggal = uniqueDate();
    const open = await createSlot({ tanggal, waktu: "08:00" });
    const closed = await createSlot({ tanggal, waktu: "09:00", ketersediaan: false });
    const { slot: full } = await fullSlot({ tanggal, waktu: "10:00" });

    const bookable = await list(`?tanggal=${tanggal}&dapat_dipesan=true`);
    expect(ids(bookable)).toEqual([open.id]);
    expect(bookable.total).toBe(1);
    expect(bookable.data[0]).toMatchObject({ dapat_dipesan: true });

    const notBookable = await list(`?tanggal=${tanggal}&dapat_dipesan=false`);
    expect(ids(notBookable)).toEqual([closed.id, full.id]);
    expect(notBookable.data.every((s) => !s.dapat_dipesan)).toBe(true);
    expect(notBookable.data[1]).toMatchObject({ ketersediaan: true, terisi: 1, sisa_kuota: 0 });
  });

  it("filters on dapat_dipesan: a past slot is not bookable", async () => {
    const tanggal = uniqueDate({ past: true });
    const past = await createSlot({ tanggal, waktu: "23:59" });
    expect(ids(await list(`?tanggal=${tanggal}&dapat_dipesan=true`))).toEqual([]);
    expect(ids(await list(`?tanggal=${tanggal}&dapat_dipesan=false`))).toEqual([past.id]);
  });

  it("judges 'still ahead' in the clinic's time zone (Asia/Jakarta), not UTC", async () => {
    // An hour ahead in UTC wall-clock terms is six hours ago in Jakarta (UTC+7).
    const utcAhead = new Date(Date.now() + 60 * 60_000).toISOString();
    const startedInJakarta = await createSlot({ tanggal: utcAhead.slice(0, 10), waktu: utcAhead.slice(11, 16) });
    expect((await getSlot(startedInJakarta.id)).dapat_dipesan).toBe(false);

    const startedMinutesAgo = await createSlot(jakartaIn(-2));
    expect((await getSlot(startedMinutesAgo.id)).dapat_dipesan).toBe(false);

    const soon = await createSlot(jakartaIn(15));
    expect((await getSlot(soon.id)).dapat_dipesan).toBe(true);

    const pageSoon = await list(`?tanggal=${jakartaIn(15).tanggal}&dapat_dipesan=true&limit=100`);
    expect(ids(pageSoon)).toContain(soon.id);
    expect(ids(pageSoon)).not.toContain(startedMinutesAgo.id);
  });

  it("sorts by tanggal, then waktu, then id", async () => {
    const [day1, day2] = uniqueDates(2) as [string, string];
    const late = await createSlot({ tanggal: day2, waktu: "08:00" });
    const morning = await createSlot({ tanggal: day1, waktu: "10:00" });
    const early1 = await createSlot({ tanggal: day1, waktu: "08:00" });
    const early2 = await createSlot({ tanggal: day1, waktu: "08:00" });
    const lateEarly = await createSlot({ tanggal: day2, waktu: "07:30" });
    const page = await list(`?dari=${day1}&sampai=${day2}`);
    expect(ids(page)).toEqual([early1.id, early2.id, morning.id, lateEarly.id, late.id]);

    const all = await list("?limit=100");
    const keys = all.data.map((s) => [s.tanggal, s.waktu, s.id] as const);
    const sorted = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] - b[2]));
    expect(keys).toEqual(sorted);
  });

  it("paginates with limit and offset; total counts every match", async () => {
    const tanggal = uniqueDate();
    const made = [];
    for (const waktu of ["08:00", "08:10", "08:20", "08:30", "08:40"]) made.push(await createSlot({ tanggal, waktu }));
    const first = await list(`?tanggal=${tanggal}&limit=2`);
    expect(first).toMatchObject({ total: 5, limit: 2, offset: 0 });
    expect(ids(first)).toEqual([made[0]!.id, made[1]!.id]);
    const middle = await list(`?tanggal=${tanggal}&limit=2&offset=2`);
    expect(middle).toMatchObject({ total: 5, limit: 2, offset: 2 });
    expect(ids(middle)).toEqual([made[2]!.id, made[3]!.id]);
    expect(ids(await list(`?tanggal=${tanggal}&limit=2&offset=4`))).toEqual([made[4]!.id]);
    expect(await list(`?tanggal=${tanggal}&offset=5`)).toMatchObject({ data: [], total: 5 });
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=abc", "limit"],
    ["offset=-1", "offset"],
    ["tanggal=2026-02-30", "tanggal"],
    ["tanggal=tomorrow", "tanggal"],
    ["dari=2026-13-01", "dari"],
    ["sampai=2026-1-1", "sampai"],
    ["ketersediaan=yes", "ketersediaan"],
    ["ketersediaan=1", "ketersediaan"],
    ["dapat_dipesan=maybe", "dapat_dipesan"],
  ])("refuses ?%s with 422 naming the parameter", async (query, path) => {
    const problem = await expectProblem(await call("GET", `/consultation-slots?${query}`), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toContain(path);
  });
});

describe("GET /consultation-slots/{id}", () => {
  it("returns the slot, with terisi counting every status but cancelled", async () => {
    const slot = await newSlot({ kuota: 5 });
    const statuses = ["booked", "checked_in", "served", "no_show", "cancelled"];
    for (const status of statuses) {
      const reservation = await bookPlace((await createPatient()).id, slot.id);
      if (status !== "booked") await setReservationStatus(reservation.id, status);
    }
    // served and no_show went straight from booked; checked_in is pending; cancelled frees its place.
    expect(await getSlot(slot.id)).toMatchObject({ id: slot.id, kuota: 5, terisi: 4, sisa_kuota: 1, dapat_dipesan: true });
  });

  it("answers 404 not_found for a slot that does not exist", async () => {
    await expectProblem(await call("GET", "/consultation-slots/999999999"), 404, "not_found");
  });
});

describe("PUT /consultation-slots/{id}", () => {
  it("replaces every writable field", async () => {
    const slot = await newSlot();
    const tanggal = uniqueDate();
    const response = await call("PUT", `/consultation-slots/${slot.id}`, {
      body: { tanggal, waktu: "14:15", kuota: 12, ketersediaan: false, durasi_menit: 20 },
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const replaced = await json<Slot>(response);
    expect(replaced).toMatchObject({
      id: slot.id,
      tanggal,
      waktu: "14:15",
      kuota: 12,
      ketersediaan: false,
      durasi_menit: 20,
      terisi: 0,
      sisa_kuota: 12,
      dapat_dipesan: false,
      created_at: slot.created_at,
    });
    expect(replaced.updated_at >= slot.created_at).toBe(true);
    expect(await getSlot(slot.id)).toEqual(replaced);
  });

  it("gives an omitted optional field its default", async () => {
    const slot = await newSlot({ kuota: 50, ketersediaan: false, durasi_menit: 30 });
    const tanggal = uniqueDate();
    const replaced = await json<Slot>(await call("PUT", `/consultation-slots/${slot.id}`, { body: { tanggal, waktu: "07:00" } }));
    expect(replaced).toMatchObject({ tanggal, waktu: "07:00", kuota: 20, ketersediaan: true, durasi_menit: 10, sisa_kuota: 20 });
    expect(await getSlot(slot.id)).toMatchObject({ kuota: 20, ketersediaan: true, durasi_menit: 10 });
  });

  it.each(["tanggal", "waktu"])("refuses a body without %s and changes nothing", async (field) => {
    const slot = await newSlot();
    const body: Record<string, unknown> = { tanggal: uniqueDate(), waktu: "07:00" };
    delete body[field];
    const problem = await expectProblem(await call("PUT", `/consultation-slots/${slot.id}`, { body }), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toEqual([field]);
    expect(await getSlot(slot.id)).toEqual(slot);
  });

  it("refuses read-only fields", async () => {
    const slot = await newSlot();
    const problem = await expectProblem(
      await call("PUT", `/consultation-slots/${slot.id}`, { body: { tanggal: slot.tanggal, waktu: slot.waktu, terisi: 0 } }),
      422,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(["terisi"]);
  });

  it("refuses a kuota below terisi with 409 kuota_below_terisi, changing nothing", async () => {
    const slot = await newSlot({ kuota: 3 });
    await bookPlace((await createPatient()).id, slot.id);
    await bookPlace((await createPatient()).id, slot.id);
    const before = await getSlot(slot.id);
    await expectProblem(
      await call("PUT", `/consultation-slots/${slot.id}`, { body: { tanggal: uniqueDate(), waktu: "11:00", kuota: 1 } }),
      409,
      "kuota_below_terisi",
    );
    expect(await getSlot(slot.id)).toEqual(before);
  });

  it("answers 404 for a slot that does not exist", async () => {
    await expectProblem(
      await call("PUT", "/consultation-slots/999999999", { body: { tanggal: uniqueDate(), waktu: "09:00" } }),
      404,
      "not_found",
    );
  });
});

describe("PATCH /consultation-slots/{id}", () => {
  it("changes only the fields sent", async () => {
    const slot = await newSlot({ kuota: 10, durasi_menit: 15, waktu: "08:30" });
    const response = await call("PATCH", `/consultation-slots/${slot.id}`, { body: { kuota: 30 } });
    expect(response.status, await response.clone().text()).toBe(200);
    const updated = await json<Slot>(response);
    expect(updated).toMatchObject({ ...slot, kuota: 30, sisa_kuota: 30, updated_at: expect.stringMatching(ISO_UTC) });

    const moved = await json<Slot>(
      await call("PATCH", `/consultation-slots/${slot.id}`, { body: { waktu: "16:00", durasi_menit: 5 } }),
    );
    expect(moved).toMatchObject({ tanggal: slot.tanggal, waktu: "16:00", kuota: 30, durasi_menit: 5, ketersediaan: true });
    expect(await getSlot(slot.id)).toEqual(moved);
  });

  it("closing a slot makes it not bookable, and bookings are refused", async () => {
    const slot = await newSlot();
    const closed = await json<Slot>(await call("PATCH", `/consultation-slots/${slot.id}`, { body: { ketersediaan: false } }));
    expect(closed).toMatchObject({ ketersediaan: false, dapat_dipesan: false, kuota: slot.kuota });
    await expectProblem(await book((await createPatient()).id, slot.id), 409, "slot_closed");
    const reopened = await json<Slot>(await call("PATCH", `/consultation-slots/${slot.id}`, { body: { ketersediaan: true } }));
    expect(reopened).toMatchObject({ ketersediaan: true, dapat_dipesan: true });
  });

  it("a full slot keeps ketersediaan as written: true stays true, false stays false", async () => {
    const { slot } = await fullSlot();
    expect(slot).toMatchObject({ ketersediaan: true, terisi: 1, sisa_kuota: 0, dapat_dipesan: false });

    const rewritten = await json<Slot>(await call("PATCH", `/consultation-slots/${slot.id}`, { body: { ketersediaan: true } }));
    expect(rewritten).toMatchObject({ ketersediaan: true, dapat_dipesan: false });
    const closed = await json<Slot>(await call("PATCH", `/consultation-slots/${slot.id}`, { body: { ketersediaan: false } }));
    expect(closed).toMatchObject({ ketersediaan: false, dapat_dipesan: false });
    const reopened = await json<Slot>(await call("PATCH", `/consultation-slots/${slot.id}`, { body: { ketersediaan: true } }));
    expect(reopened).toMatchObject({ ketersediaan: true, terisi: 1, dapat_dipesan: false });
  });

  it("a client can read a slot and write it back unchanged", async () => {
    const { slot } = await fullSlot();
    const { tanggal, waktu, kuota, ketersediaan, durasi_menit } = slot;
    const response = await call("PUT", `/consultation-slots/${slot.id}`, { body: { tanggal, waktu, kuota, ketersediaan, durasi_menit } });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await json(response)).toMatchObject({ tanggal, waktu, kuota, ketersediaan, durasi_menit, terisi: 1 });
  });

  it("a cancellation frees the place but never changes ketersediaan", async () => {
    const { slot, reservation } = await fullSlot();
    await setReservationStatus(reservation.id, "cancelled");
    expect(await getSlot(slot.id)).toMatchObject({ ketersediaan: true, terisi: 0, sisa_kuota: 1, dapat_dipesan: true });

    const other = await fullSlot();
    await call("PATCH", `/consultation-slots/${other.slot.id}`, { body: { ketersediaan: false } });
    await setReservationStatus(other.reservation.id, "cancelled");
    expect(await getSlot(other.slot.id)).toMatchObject({ ketersediaan: false, terisi: 0, dapat_dipesan: false });
  });

  it("refuses a kuota below terisi with 409 kuota_below_terisi; equal to terisi is fine", async () => {
    const slot = await newSlot({ kuota: 5 });
    const reservations = [];
    for (let i = 0; i < 4; i++) reservations.push(await bookPlace((await createPatient()).id, slot.id));
    // served and no_show still hold their places; cancelled does not.
    await setReservationStatus(reservations[0]!.id, "served");
    await setReservationStatus(reservations[1]!.id, "no_show");
    await setReservationStatus(reservations[2]!.id, "cancelled");
    const before = await getSlot(slot.id);
    expect(before.terisi).toBe(3);

    const problem = await expectProblem(
      await call("PATCH", `/consultation-slots/${slot.id}`, { body: { kuota: 2 } }),
      409,
      "kuota_below_terisi",
    );
    expect(problem.detail).toMatch(/kuota/i);
    expect(await getSlot(slot.id)).toEqual(before);

    const exact = await json<Slot>(await call("PATCH", `/consultation-slots/${slot.id}`, { body: { kuota: 3 } }));
    expect(exact).toMatchObject({ kuota: 3, terisi: 3, sisa_kuota: 0, dapat_dipesan: false, ketersediaan: true });
    await expectProblem(await book((await createPatient()).id, slot.id), 409, "slot_full");

    const raised = await json<Slot>(await call("PATCH", `/consultation-slots/${slot.id}`, { body: { kuota: 4 } }));
    expect(raised).toMatchObject({ kuota: 4, sisa_kuota: 1, dapat_dipesan: true });
  });

  it.each([
    ["a read-only field", { terisi: 0 }, "terisi"],
    ["sisa_kuota", { sisa_kuota: 3 }, "sisa_kuota"],
    ["an unknown field", { ruang: "A" }, "ruang"],
    ["an invalid tanggal", { tanggal: "2026-02-30" }, "tanggal"],
    ["an invalid waktu", { waktu: "24:00" }, "waktu"],
    ["kuota 0", { kuota: 0 }, "kuota"],
    ["kuota 1001", { kuota: 1001 }, "kuota"],
    ["a null ketersediaan", { ketersediaan: null }, "ketersediaan"],
    ["durasi_menit 241", { durasi_menit: 241 }, "durasi_menit"],
  ])("refuses %s with 422 naming it, changing nothing", async (_what, body, path) => {
    const slot = await newSlot();
    const problem = await expectProblem(await call("PATCH", `/consultation-slots/${slot.id}`, { body }), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toEqual([path]);
    expect(await getSlot(slot.id)).toEqual(slot);
  });

  it("answers 404 for a slot that does not exist", async () => {
    await expectProblem(await call("PATCH", "/consultation-slots/999999999", { body: { kuota: 5 } }), 404, "not_found");
  });
});

describe("DELETE /consultation-slots/{id}", () => {
  it("deletes the slot: 204 without a body, then 404", async () => {
    const slot = await newSlot();
    const response = await call("DELETE", `/consultation-slots/${slot.id}`);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    await expectProblem(await call("GET", `/consultation-slots/${slot.id}`), 404, "not_found");
    await expectProblem(await call("DELETE", `/consultation-slots/${slot.id}`), 404, "not_found");
    await expectProblem(await call("PATCH", `/consultation-slots/${slot.id}`, { body: { kuota: 3 } }), 404, "not_found");
    expect(ids(await list(`?tanggal=${slot.tanggal}`))).toEqual([]);
  });

  it("is refused with 409 has_pending_reservations while a reservation is booked", async () => {
    const slot = await newSlot();
    const reservation = await bookPlace((await createPatient()).id, slot.id);
    await expectProblem(await call("DELETE", `/consultation-slots/${slot.id}`), 409, "has_pending_reservations");
    expect((await getSlot(slot.id)).terisi).toBe(1);
    expect((await call("GET", `/reservations/${reservation.id}`)).status).toBe(200);
  });

  it("is refused with 409 has_pending_reservations while a reservation is checked in", async () => {
    const slot = await newSlot();
    const reservation = await bookPlace((await createPatient()).id, slot.id);
    await setReservationStatus(reservation.id, "checked_in");
    await expectProblem(await call("DELETE", `/consultation-slots/${slot.id}`), 409, "has_pending_reservations");
  });

  it("is allowed once no reservation is pending; its reservations go with it", async () => {
    const slot = await newSlot();
    const cancelled = await bookPlace((await createPatient()).id, slot.id);
    const served = await bookPlace((await createPatient()).id, slot.id);
    await setReservationStatus(cancelled.id, "cancelled");
    await setReservationStatus(served.id, "served");
    expect((await call("DELETE", `/consultation-slots/${slot.id}`)).status).toBe(204);
    await expectProblem(await call("GET", `/reservations/${cancelled.id}`), 404, "not_found");
    await expectProblem(await call("GET", `/reservations/${served.id}`), 404, "not_found");
  });
});
