/**
 * /patients against SPEC §3 (Pasien), §4 (routes, lists, PUT/PATCH, delete)
 * and §6 (their errors). Every test makes its own patients and finds them
 * again through a marker of its own, never through ids it assumes.
 */
import { describe, expect, it } from "vitest";
import {
  bookPlace,
  call,
  createPatient,
  createSlot,
  expectProblem,
  ISO_UTC,
  json,
  patientInput,
  setReservationStatus,
} from "./helpers";

interface Patient {
  id: number;
  nama: string;
  email: string;
  nomor_telepon: string;
  created_at: string;
  updated_at: string;
}

interface Page<T> {
  data: T[];
  total: number;
  limit: number;
  offset: number;
}

let markerCount = 0;
/** A string that appears in no other test's data (letters only, so it is safe in a name). */
function marker(): string {
  markerCount += 1;
  // Fixed width, so one marker never contains another.
  const letters = (n: number, width: number) =>
    n.toString(26).padStart(width, "0").replace(/./g, (d) => String.fromCharCode(97 + parseInt(d, 26)));
  return `zq${letters(Date.now() % 11_000_000, 5)}${letters(markerCount, 3)}`;
}

async function list(query: string): Promise<Page<Patient>> {
  const response = await call("GET", `/patients${query}`);
  expect(response.status, await response.clone().text()).toBe(200);
  return json<Page<Patient>>(response);
}

async function getPatient(id: number): Promise<Response> {
  return call("GET", `/patients/${id}`);
}

describe("GET /patients", () => {
  it("returns the list envelope with the default limit 20 and offset 0", async () => {
    await createPatient();
    const page = await list("");
    expect(Object.keys(page).sort()).toEqual(["data", "limit", "offset", "total"]);
    expect(page.limit).toBe(20);
    expect(page.offset).toBe(0);
    expect(Array.isArray(page.data)).toBe(true);
    expect(page.total).toBeGreaterThanOrEqual(1);
    expect(page.data.length).toBe(Math.min(20, page.total));
  });

  it("each item has exactly the patient fields", async () => {
    const tag = marker();
    const created = await createPatient({ nama: `Ani ${tag}` });
    const page = await list(`?q=${tag}`);
    expect(page.data).toEqual([created]);
    expect(Object.keys(page.data[0]!).sort()).toEqual(["created_at", "email", "id", "nama", "nomor_telepon", "updated_at"]);
  });

  it("sorts by id", async () => {
    const tag = marker();
    const created = [];
    for (const name of ["Zaenal", "Agus", "Maya"]) created.push(await createPatient({ nama: `${name} ${tag}` }));
    const page = await list(`?q=${tag}`);
    expect(page.data.map((p) => p.id)).toEqual(created.map((p) => p.id).sort((a, b) => a - b));
    // And the unfiltered list is sorted by id too.
    const all = await list("?limit=100");
    const ids = all.data.map((p) => p.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it("q matches a substring of nama, email or nomor_telepon, ignoring case", async () => {
    const tag = marker();
    const byName = await createPatient({ nama: `Dewi ${tag.toUpperCase()} Lestari` });
    const byEmail = await createPatient({ email: `dewi.${tag}@Example.co.id` });
    const digits = String(100_000_000 + Math.floor(Math.random() * 800_000_000));
    const byPhone = await createPatient({ nomor_telepon: `08${digits}` });
    await createPatient(); // matches none of them

    expect((await list(`?q=${tag}`)).data.map((p) => p.id)).toEqual([byName.id, byEmail.id]);
    expect((await list(`?q=${tag.toUpperCase()}`)).data.map((p) => p.id)).toEqual([byName.id, byEmail.id]);
    // A substring from inside the name, across the space.
    expect((await list(`?q=${encodeURIComponent(`${tag} lest`)}`)).data.map((p) => p.id)).toEqual([byName.id]);
    expect((await list(`?q=${encodeURIComponent(`${tag}@example.CO`)}`)).data.map((p) => p.id)).toEqual([byEmail.id]);
    const phonePage = await list(`?q=${digits.slice(1, 8)}`);
    expect(phonePage.data.map((p) => p.id)).toContain(byPhone.id);
    expect(phonePage.data.map((p) => p.id)).not.toContain(byName.id);
  });

  it("q is a plain substring: % and _ are not wildcards", async () => {
    const tag = marker();
    const percent = await createPatient({ nama: `${tag}%a` });
    const underscore = await createPatient({ nama: `${tag}_b` });
    await createPatient({ nama: `${tag}xyzc` });
    expect((await list(`?q=${encodeURIComponent(`${tag}%`)}`)).data.map((p) => p.id)).toEqual([percent.id]);
    expect((await list(`?q=${encodeURIComponent(`${tag}_`)}`)).data.map((p) => p.id)).toEqual([underscore.id]);
  });

  it("a q that matches nobody gives an empty page with total 0", async () => {
    const page = await list(`?q=${marker()}nobody`);
    expect(page).toEqual({ data: [], total: 0, limit: 20, offset: 0 });
  });

  it("paginates with limit and offset; total counts every match, not the page", async () => {
    const tag = marker();
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createPatient({ nama: `Pasien ${tag} ${i}` }));
    const ids = created.map((p) => p.id);

    const first = await list(`?q=${tag}&limit=2`);
    expect(first).toMatchObject({ total: 5, limit: 2, offset: 0 });
    expect(first.data.map((p) => p.id)).toEqual(ids.slice(0, 2));

    const second = await list(`?q=${tag}&limit=2&offset=2`);
    expect(second).toMatchObject({ total: 5, limit: 2, offset: 2 });
    expect(second.data.map((p) => p.id)).toEqual(ids.slice(2, 4));

    const last = await list(`?q=${tag}&limit=2&offset=4`);
    expect(last.data.map((p) => p.id)).toEqual(ids.slice(4));

    const beyond = await list(`?q=${tag}&offset=10`);
    expect(beyond).toMatchObject({ data: [], total: 5, offset: 10 });
  });

  it("accepts limit 1 and 100", async () => {
    await createPatient();
    expect((await list("?limit=1")).data.length).toBe(1);
    expect((await list("?limit=100")).limit).toBe(100);
  });

  it.each(["0", "101", "-1", "1.5", "abc", ""])("refuses limit=%j with 422 naming limit", async (limit) => {
    const problem = await expectProblem(await call("GET", `/patients?limit=${limit}`), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toContain("limit");
  });

  it.each(["-1", "1.5", "abc"])("refuses offset=%j with 422 naming offset", async (offset) => {
    const problem = await expectProblem(await call("GET", `/patients?offset=${offset}`), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toContain("offset");
  });

  it("answers with Cache-Control: no-store (patient data)", async () => {
    const response = await call("GET", "/patients");
    expect(response.headers.get("Cache-Control")).toContain("no-store");
  });
});

describe("POST /patients", () => {
  it("creates a patient: 201, Location, every field", async () => {
    const input = patientInput();
    const response = await call("POST", "/patients", { body: input });
    expect(response.status).toBe(201);
    const patient = await json<Patient>(response);
    expect(patient).toMatchObject(input);
    expect(Number.isInteger(patient.id)).toBe(true);
    expect(patient.id).toBeGreaterThan(0);
    expect(patient.created_at).toMatch(ISO_UTC);
    expect(patient.updated_at).toMatch(ISO_UTC);
    expect(response.headers.get("Location")).toBe(`/patients/${patient.id}`);
    expect(response.headers.get("Cache-Control")).toContain("no-store");

    const fetched = await call("GET", response.headers.get("Location")!);
    expect(fetched.status).toBe(200);
    expect(await json(fetched)).toEqual(patient);
  });

  it("trims nama", async () => {
    const patient = await createPatient({ nama: "   Siti Rahayu  " });
    expect(patient.nama).toBe("Siti Rahayu");
  });

  it("accepts nama of 1 and of 100 characters (after trimming)", async () => {
    expect((await createPatient({ nama: "A" })).nama).toBe("A");
    const hundred = "N".repeat(100);
    expect((await createPatient({ nama: `  ${hundred}  ` })).nama).toBe(hundred);
  });

  it.each([
    ["empty", ""],
    ["only spaces", "    "],
    ["101 characters", "N".repeat(101)],
    ["a number", 12345],
    ["null", null],
  ])("refuses nama that is %s", async (_what, nama) => {
    const problem = await expectProblem(await call("POST", "/patients", { body: patientInput({ nama }) }), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toEqual(["nama"]);
  });

  it.each(["nama", "email", "nomor_telepon"])("refuses a body without %s, naming it", async (field) => {
    const body: Record<string, unknown> = patientInput();
    delete body[field];
    const problem = await expectProblem(await call("POST", "/patients", { body }), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toEqual([field]);
  });

  it.each(["not-an-email", "siti@", "@example.com", "siti rahayu@example.com", "siti@@example.com"])(
    "refuses email %j",
    async (email) => {
      const problem = await expectProblem(await call("POST", "/patients", { body: patientInput({ email }) }), 422, "validation_failed");
      expect(problem.errors?.map((e) => e.path)).toEqual(["email"]);
    },
  );

  it("refuses an email longer than an address can be", async () => {
    const email = `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.id`;
    const problem = await expectProblem(await call("POST", "/patients", { body: patientInput({ email }) }), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toEqual(["email"]);
  });

  it("refuses an email that is already registered, ignoring case, with 409 email_taken", async () => {
    const tag = marker();
    const first = await createPatient({ email: `Budi.${tag}@Example.co.id` });
    await expectProblem(await call("POST", "/patients", { body: patientInput({ email: first.email }) }), 409, "email_taken");
    await expectProblem(
      await call("POST", "/patients", { body: patientInput({ email: `budi.${tag}@example.CO.ID` }) }),
      409,
      "email_taken",
    );
    await expectProblem(
      await call("POST", "/patients", { body: patientInput({ email: `BUDI.${tag.toUpperCase()}@EXAMPLE.CO.ID` }) }),
      409,
      "email_taken",
    );
    // Nothing was created by the refusals.
    expect((await list(`?q=${tag}`)).total).toBe(1);
  });

  it.each([
    "081234567890",
    "+6281234567890",
    "6281234567890",
    "0812 3456 7890",
    "0812-3456-7890",
    "+62 812 3456 7890",
    "+62-812-3456-7890",
    "021-5551234",
    "0812345678",
  ])("accepts the phone number %j", async (nomor_telepon) => {
    const patient = await createPatient({ nomor_telepon });
    // The number stays recognisable (digits kept in order).
    expect(patient.nomor_telepon.replace(/\D/g, "")).toBe(nomor_telepon.replace(/\D/g, ""));
  });

  it.each([
    ["letters", "08123456789a"],
    ["words", "nomor saya"],
    ["letters with digits", "0812-CALL-ME"],
    ["too short", "0812"],
    ["too short with a prefix", "+62812"],
    ["too long", "0812345678901234567890"],
    ["over 30 characters", "0812 3456 7890 1234 5678 9012 3456"],
    ["empty", ""],
    ["only separators", "----------"],
    ["only a plus", "+"],
    ["two pluses", "++6281234567890"],
    ["a plus in the middle", "0812+34567890"],
    ["a number, not a string", 81234567890],
    ["all zeros", "000000000000"],
  ])("refuses a phone number with %s", async (_what, nomor_telepon) => {
    const problem = await expectProblem(
      await call("POST", "/patients", { body: patientInput({ nomor_telepon }) }),
      422,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(["nomor_telepon"]);
  });

  it("lists every invalid field at once", async () => {
    const problem = await expectProblem(
      await call("POST", "/patients", { body: { nama: "", email: "nope", nomor_telepon: "abc" } }),
      422,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path).sort()).toEqual(["email", "nama", "nomor_telepon"]);
    for (const error of problem.errors ?? []) expect(error.message.length).toBeGreaterThan(0);
  });

  it.each([
    ["id", 5],
    ["created_at", "2026-01-01T00:00:00Z"],
    ["updated_at", "2026-01-01T00:00:00Z"],
    ["alamat", "Jl. Merdeka 1"],
  ])("refuses a body with %s (read-only or unknown)", async (field, value) => {
    const problem = await expectProblem(
      await call("POST", "/patients", { body: { ...patientInput(), [field]: value } }),
      422,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path)).toEqual([field]);
  });
});

describe("GET /patients/{id}", () => {
  it("returns the patient", async () => {
    const created = await createPatient();
    const response = await getPatient(created.id);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual(created);
    expect(response.headers.get("Cache-Control")).toContain("no-store");
  });

  it("answers 404 not_found for an id that does not exist", async () => {
    await expectProblem(await getPatient(999_999_999), 404, "not_found");
  });
});

describe("PUT /patients/{id}", () => {
  it("replaces every field", async () => {
    const created = await createPatient();
    const replacement = patientInput({ nama: "  Rudi Hartono ", nomor_telepon: "+62 811-2222-3333" });
    const response = await call("PUT", `/patients/${created.id}`, { body: replacement });
    expect(response.status, await response.clone().text()).toBe(200);
    const updated = await json<Patient>(response);
    expect(updated).toMatchObject({
      id: created.id,
      nama: "Rudi Hartono",
      email: replacement.email,
      nomor_telepon: expect.stringContaining("811"),
    });
    expect(updated.created_at).toBe((created as Patient).created_at);
    expect(updated.updated_at).toMatch(ISO_UTC);
    expect(updated.updated_at >= updated.created_at).toBe(true);
    expect(await json(await getPatient(created.id))).toEqual(updated);
  });

  it.each(["nama", "email", "nomor_telepon"])("refuses a body without %s and changes nothing", async (field) => {
    const created = await createPatient();
    const body: Record<string, unknown> = patientInput();
    delete body[field];
    const problem = await expectProblem(await call("PUT", `/patients/${created.id}`, { body }), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toEqual([field]);
    expect(await json(await getPatient(created.id))).toEqual(created);
  });

  it("refuses an email another patient has (ignoring case) with 409 email_taken", async () => {
    const other = await createPatient();
    const created = await createPatient();
    await expectProblem(
      await call("PUT", `/patients/${created.id}`, { body: patientInput({ email: other.email.toUpperCase() }) }),
      409,
      "email_taken",
    );
    expect(await json(await getPatient(created.id))).toEqual(created);
  });

  it("lets a patient keep their own email, even in another case", async () => {
    const created = await createPatient();
    const response = await call("PUT", `/patients/${created.id}`, {
      body: { nama: created.nama, email: created.email.toUpperCase(), nomor_telepon: created.nomor_telepon },
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((await json<Patient>(response)).email).toBe(created.email.toUpperCase());
  });

  it("refuses read-only fields", async () => {
    const created = await createPatient();
    const problem = await expectProblem(
      await call("PUT", `/patients/${created.id}`, { body: { ...patientInput(), id: created.id } }),
      422,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(["id"]);
  });

  it("answers 404 for a patient that does not exist", async () => {
    await expectProblem(await call("PUT", "/patients/999999999", { body: patientInput() }), 404, "not_found");
  });
});

describe("PATCH /patients/{id}", () => {
  it("changes only the fields sent", async () => {
    const created = await createPatient();
    const response = await call("PATCH", `/patients/${created.id}`, { body: { nama: "  Dewi Sartika " } });
    expect(response.status, await response.clone().text()).toBe(200);
    const updated = await json<Patient>(response);
    expect(updated).toMatchObject({ ...created, nama: "Dewi Sartika", updated_at: expect.stringMatching(ISO_UTC) });

    const phone = await json<Patient>(
      await call("PATCH", `/patients/${created.id}`, { body: { nomor_telepon: "+6281299998888" } }),
    );
    expect(phone).toMatchObject({ id: created.id, nama: "Dewi Sartika", email: created.email, nomor_telepon: "+6281299998888" });
    expect(await json(await getPatient(created.id))).toEqual(phone);
  });

  it("changes the email, and the old address becomes free", async () => {
    const created = await createPatient();
    const email = patientInput().email;
    const updated = await json<Patient>(await call("PATCH", `/patients/${created.id}`, { body: { email } }));
    expect(updated.email).toBe(email);
    await createPatient({ email: created.email });
  });

  it("refuses an email another patient has (ignoring case) with 409 email_taken", async () => {
    const other = await createPatient();
    const created = await createPatient();
    await expectProblem(
      await call("PATCH", `/patients/${created.id}`, { body: { email: ` ${other.email.toUpperCase()} ` } }),
      409,
      "email_taken",
    );
    expect(await json(await getPatient(created.id))).toEqual(created);
  });

  it.each([
    ["an invalid email", { email: "nope" }, "email"],
    ["an invalid phone number", { nomor_telepon: "abc" }, "nomor_telepon"],
    ["an empty nama", { nama: "  " }, "nama"],
    ["a null nama", { nama: null }, "nama"],
    ["an unknown field", { alamat: "Jl. Sudirman" }, "alamat"],
    ["a read-only field", { created_at: "2026-01-01T00:00:00Z" }, "created_at"],
  ])("refuses %s with 422 naming the field, changing nothing", async (_what, body, path) => {
    const created = await createPatient();
    const problem = await expectProblem(await call("PATCH", `/patients/${created.id}`, { body }), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toEqual([path]);
    expect(await json(await getPatient(created.id))).toEqual(created);
  });

  it("answers 404 for a patient that does not exist", async () => {
    await expectProblem(await call("PATCH", "/patients/999999999", { body: { nama: "Siapa" } }), 404, "not_found");
  });
});

describe("DELETE /patients/{id}", () => {
  it("erases the patient: 204 without a body, then 404", async () => {
    const created = await createPatient();
    const response = await call("DELETE", `/patients/${created.id}`);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    await expectProblem(await getPatient(created.id), 404, "not_found");
    await expectProblem(await call("DELETE", `/patients/${created.id}`), 404, "not_found");
    await expectProblem(await call("PATCH", `/patients/${created.id}`, { body: { nama: "X" } }), 404, "not_found");
    // The address can be registered again.
    await createPatient({ email: created.email });
  });

  it("is refused with 409 has_pending_reservations while a reservation is booked", async () => {
    const patient = await createPatient();
    const slot = await createSlot();
    const reservation = await bookPlace(patient.id, slot.id);
    await expectProblem(await call("DELETE", `/patients/${patient.id}`), 409, "has_pending_reservations");
    expect((await getPatient(patient.id)).status).toBe(200);
    expect((await call("GET", `/reservations/${reservation.id}`)).status).toBe(200);
  });

  it("is refused with 409 has_pending_reservations while a reservation is checked in", async () => {
    const patient = await createPatient();
    const slot = await createSlot();
    const reservation = await bookPlace(patient.id, slot.id);
    await setReservationStatus(reservation.id, "checked_in");
    await expectProblem(await call("DELETE", `/patients/${patient.id}`), 409, "has_pending_reservations");
    expect((await getPatient(patient.id)).status).toBe(200);
  });

  it("is allowed once the reservation is cancelled, and the reservation goes with the patient", async () => {
    const patient = await createPatient();
    const slot = await createSlot();
    const reservation = await bookPlace(patient.id, slot.id);
    await setReservationStatus(reservation.id, "cancelled");
    expect((await call("DELETE", `/patients/${patient.id}`)).status).toBe(204);
    await expectProblem(await call("GET", `/reservations/${reservation.id}`), 404, "not_found");
    const remaining = await json<Page<unknown>>(await call("GET", `/reservations?patient_id=${patient.id}`));
    expect(remaining.total).toBe(0);
  });

  it("takes served reservations with it: the slot's place is freed, its numbers are not reused", async () => {
    const patient = await createPatient();
    const slot = await createSlot({ kuota: 2 });
    const served = await bookPlace(patient.id, slot.id);
    await setReservationStatus(served.id, "served");
    expect((await json(await call("GET", `/consultation-slots/${slot.id}`))).terisi).toBe(1);

    expect((await call("DELETE", `/patients/${patient.id}`)).status).toBe(204);
    await expectProblem(await call("GET", `/reservations/${served.id}`), 404, "not_found");
    expect(await json(await call("GET", `/consultation-slots/${slot.id}`))).toMatchObject({ terisi: 0, sisa_kuota: 2 });

    const next = await bookPlace((await createPatient()).id, slot.id);
    expect(next.nomor_antrian).toBeGreaterThan(served.nomor_antrian);
  });

  it("leaves other patients' reservations alone", async () => {
    const leaving = await createPatient();
    const staying = await createPatient();
    const slot = await createSlot();
    const gone = await bookPlace(leaving.id, slot.id);
    const kept = await bookPlace(staying.id, slot.id);
    await setReservationStatus(gone.id, "cancelled");
    expect((await call("DELETE", `/patients/${leaving.id}`)).status).toBe(204);
    expect((await call("GET", `/reservations/${kept.id}`)).status).toBe(200);
    expect((await json(await call("GET", `/consultation-slots/${slot.id}`))).terisi).toBe(1);
  });
});
