/**
 * SPEC §6, row by row: every error is an RFC 9457 problem with a stable code,
 * and every response carries an X-Request-Id.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import {
  bookPlace,
  call,
  createPatient,
  createSlot,
  expectProblem,
  json,
  patientInput,
  TOKEN,
  uniqueDate,
} from "./helpers";

const encoder = new TextEncoder();

/** A JSON patient body of exactly `bytes` bytes (its nama is padded; valid JSON, invalid nama). */
function patientBodyOfSize(bytes: number): string {
  const rest = patientInput({ nama: "" });
  const empty = JSON.stringify(rest);
  const padding = bytes - encoder.encode(empty).length;
  const body = JSON.stringify({ ...rest, nama: "x".repeat(padding) });
  expect(encoder.encode(body).length).toBe(bytes);
  return body;
}

/** A body sent as a stream of chunks, with no Content-Length (chunked on the wire). */
function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

/** The routes that take a JSON body, with a valid body for each (ids made by the caller). */
async function bodyRoutes(): Promise<[string, string, unknown][]> {
  const patient = await createPatient();
  const slot = await createSlot({ tanggal: uniqueDate() });
  const reservation = await bookPlace((await createPatient()).id, slot.id);
  return [
    ["POST", "/patients", patientInput()],
    ["PUT", `/patients/${patient.id}`, patientInput()],
    ["PATCH", `/patients/${patient.id}`, { nama: "Nama Baru" }],
    ["POST", "/consultation-slots", { tanggal: uniqueDate(), waktu: "09:00" }],
    ["PUT", `/consultation-slots/${slot.id}`, { tanggal: slot.tanggal, waktu: "09:00" }],
    ["PATCH", `/consultation-slots/${slot.id}`, { kuota: 25 }],
    ["POST", "/reservations", { patient_id: patient.id, consultation_slot_id: slot.id }],
    ["PATCH", `/reservations/${reservation.id}`, { status: "checked_in" }],
  ];
}

/** Every route with an id in its path, with a valid body where it takes one. */
const ID_ROUTES: [string, string, unknown?][] = [
  ["GET", "/patients/"],
  ["PUT", "/patients/", patientInput()],
  ["PATCH", "/patients/", { nama: "Siti" }],
  ["DELETE", "/patients/"],
  ["GET", "/consultation-slots/"],
  ["PUT", "/consultation-slots/", { tanggal: "2090-01-01", waktu: "09:00" }],
  ["PATCH", "/consultation-slots/", { kuota: 5 }],
  ["DELETE", "/consultation-slots/"],
  ["GET", "/reservations/"],
  ["PATCH", "/reservations/", { status: "cancelled" }],
  ["DELETE", "/reservations/"],
];

describe("400 malformed_json: a body that is not JSON", () => {
  it.each([
    ["an unclosed object", "{"],
    ["single quotes", "{'nama': 'Siti'}"],
    ["a form body", "nama=Siti&email=siti%40example.com"],
    ["a trailing comma", '{"nama": "Siti",}'],
    ["an empty body", ""],
  ])("%s", async (_what, rawBody) => {
    const problem = await expectProblem(
      await call("POST", "/patients", { rawBody, headers: { "Content-Type": "application/json" } }),
      400,
      "malformed_json",
    );
    expect(problem.errors).toBeUndefined();
  });

  it("on every route that takes a body", async () => {
    for (const [method, path] of await bodyRoutes()) {
      const response = await call(method, path, { rawBody: '{"oops"', headers: { "Content-Type": "application/json" } });
      await expectProblem(response, 400, "malformed_json");
    }
  });

  it.each([
    ["an array", "[]"],
    ["a string", '"Siti"'],
    ["null", "null"],
    ["a number", "42"],
  ])("JSON that is %s is valid JSON but not an object: 422", async (_what, rawBody) => {
    await expectProblem(
      await call("POST", "/patients", { rawBody, headers: { "Content-Type": "application/json" } }),
      422,
      "validation_failed",
    );
  });
});

describe("415 unsupported_media_type: a body with no Content-Type, or one that is not JSON", () => {
  it("no Content-Type", async () => {
    // Bytes, not a string: a string body would get text/plain from the Request constructor.
    const rawBody = encoder.encode(JSON.stringify(patientInput()));
    const request = new Request("http://antrian.test/patients", {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: rawBody,
    });
    expect(request.headers.get("Content-Type")).toBeNull();
    await expectProblem(await call("POST", "/patients", { rawBody }), 415, "unsupported_media_type");
  });

  it.each(["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"])(
    "Content-Type %s",
    async (contentType) => {
      await expectProblem(
        await call("POST", "/patients", { rawBody: JSON.stringify(patientInput()), headers: { "Content-Type": contentType } }),
        415,
        "unsupported_media_type",
      );
    },
  );

  it("on every route that takes a body", async () => {
    for (const [method, path, body] of await bodyRoutes()) {
      const response = await call(method, path, { rawBody: JSON.stringify(body), headers: { "Content-Type": "text/plain" } });
      await expectProblem(response, 415, "unsupported_media_type");
    }
  });

  it.each(["application/json; charset=utf-8", "Application/JSON"])("accepts Content-Type %s", async (contentType) => {
    const response = await call("POST", "/patients", { rawBody: JSON.stringify(patientInput()), headers: { "Content-Type": contentType } });
    expect(response.status, await response.clone().text()).toBe(201);
  });
});

describe("413 payload_too_large: a body over 64 KiB", () => {
  it("64 KiB is let through (then judged on its fields); one byte more is 413", async () => {
    const atLimit = await call("POST", "/patients", { rawBody: patientBodyOfSize(64 * 1024), headers: { "Content-Type": "application/json" } });
    const problem = await expectProblem(atLimit, 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toEqual(["nama"]);

    await expectProblem(
      await call("POST", "/patients", { rawBody: patientBodyOfSize(64 * 1024 + 1), headers: { "Content-Type": "application/json" } }),
      413,
      "payload_too_large",
    );
  });

  it("a large body on other routes", async () => {
    const rawBody = JSON.stringify({ kuota: 5, catatan: "x".repeat(100_000) });
    const slot = await createSlot({ tanggal: uniqueDate() });
    for (const [method, path] of [
      ["POST", "/consultation-slots"],
      ["PATCH", `/consultation-slots/${slot.id}`],
      ["POST", "/reservations"],
    ] as const) {
      await expectProblem(await call(method, path, { rawBody, headers: { "Content-Type": "application/json" } }), 413, "payload_too_large");
    }
  });

  it("a chunked body (a stream, no Content-Length) is limited too", async () => {
    const chunk = "x".repeat(16 * 1024);
    const rawBody = streamOf(['{"nama":"', chunk, chunk, chunk, chunk, chunk, '","email":"a@b.co","nomor_telepon":"081234567890"}']);
    const request = new Request("http://antrian.test/patients", { method: "POST", body: streamOf(["{}"]) });
    expect(request.headers.get("Content-Length")).toBeNull();
    await expectProblem(
      await call("POST", "/patients", { rawBody, headers: { "Content-Type": "application/json" } }),
      413,
      "payload_too_large",
    );
  });

  it("a chunked body under the limit is read whole", async () => {
    const input = patientInput();
    const text = JSON.stringify(input);
    const rawBody = streamOf([text.slice(0, 5), text.slice(5, 20), text.slice(20)]);
    const response = await call("POST", "/patients", { rawBody, headers: { "Content-Type": "application/json" } });
    expect(response.status, await response.clone().text()).toBe(201);
    expect(await json(response)).toMatchObject(input);
  });
});

describe("422 validation_failed: invalid, unknown and read-only fields", () => {
  it("names the unknown field in errors", async () => {
    const problem = await expectProblem(
      await call("POST", "/patients", { body: { ...patientInput(), golongan_darah: "O" } }),
      422,
      "validation_failed",
    );
    expect(problem.errors).toEqual([{ path: "golongan_darah", message: expect.any(String) }]);
    expect(problem.errors![0]!.message.length).toBeGreaterThan(0);
  });

  it.each([
    ["POST", "/patients", "id"],
    ["POST", "/patients", "created_at"],
    ["POST", "/patients", "updated_at"],
    ["POST", "/consultation-slots", "terisi"],
    ["POST", "/consultation-slots", "sisa_kuota"],
    ["POST", "/consultation-slots", "dapat_dipesan"],
    ["POST", "/consultation-slots", "id"],
    ["POST", "/reservations", "nomor_antrian"],
    ["POST", "/reservations", "id"],
    ["POST", "/reservations", "created_at"],
  ])("%s %s with the read-only field %s", async (method, path, field) => {
    const patient = await createPatient();
    const slot = await createSlot({ tanggal: uniqueDate() });
    const valid: Record<string, unknown> = {
      "/patients": patientInput(),
      "/consultation-slots": { tanggal: uniqueDate(), waktu: "09:00" },
      "/reservations": { patient_id: patient.id, consultation_slot_id: slot.id },
    }[path] as Record<string, unknown>;
    const problem = await expectProblem(await call(method, path, { body: { ...valid, [field]: 7 } }), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toEqual([field]);
    // Nothing was booked by the refused request.
    if (path === "/reservations") {
      expect((await json(await call("GET", `/consultation-slots/${slot.id}`))).terisi).toBe(0);
    }
  });

  it("PATCH /reservations/{id} with nomor_antrian is refused, not applied", async () => {
    const slot = await createSlot({ tanggal: uniqueDate() });
    const reservation = await bookPlace((await createPatient()).id, slot.id);
    const problem = await expectProblem(
      await call("PATCH", `/reservations/${reservation.id}`, { body: { nomor_antrian: 99 } }),
      422,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path)).toContain("nomor_antrian");
    expect((await json(await call("GET", `/reservations/${reservation.id}`))).nomor_antrian).toBe(reservation.nomor_antrian);
  });

  it("lists one entry per invalid field, each with a message", async () => {
    const problem = await expectProblem(
      await call("POST", "/consultation-slots", { body: { tanggal: "2026-02-30", waktu: "24:00", kuota: 0, durasi_menit: 500 } }),
      422,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path).sort()).toEqual(["durasi_menit", "kuota", "tanggal", "waktu"]);
    for (const error of problem.errors!) expect(typeof error.message === "string" && error.message.length > 0).toBe(true);
    expect(problem.detail).toMatch(/tanggal/);
  });


  it.each(["abc", "0", "-1", "1.5", "1e3", "0x10", "99999999999999999999"])(
    "a path id %j that is not a positive integer is 422 naming id, on every route with an id",
    async (id) => {
      for (const [method, prefix, body] of ID_ROUTES) {
        const response = await call(method, `${prefix}${id}`, body === undefined ? {} : { body });
        const problem = await expectProblem(response, 422, "validation_failed");
        expect(problem.errors?.map((e) => e.path), `${method} ${prefix}${id}`).toEqual(["id"]);
      }
    },
  );

  it("bad query parameters are 422", async () => {
    await expectProblem(await call("GET", "/reservations?status=lost"), 422, "validation_failed");
    await expectProblem(await call("GET", "/reservations?patient_id=abc"), 422, "validation_failed");
    await expectProblem(await call("GET", "/patients?limit=1000"), 422, "validation_failed");
    await expectProblem(await call("GET", "/consultation-slots?tanggal=2026-02-30", { token: null }), 422, "validation_failed");
  });
});

describe("404 not_found", () => {
  it("an unknown id on every route with an id", async () => {
    // Made and deleted here, so certainly unknown.
    const patient = await createPatient();
    const slot = await createSlot({ tanggal: uniqueDate() });
    const reservation = await bookPlace(patient.id, slot.id);
    expect((await call("DELETE", `/reservations/${reservation.id}`)).status).toBe(204);
    expect((await call("DELETE", `/patients/${patient.id}`)).status).toBe(204);
    expect((await call("DELETE", `/consultation-slots/${slot.id}`)).status).toBe(204);
    const gone: Record<string, number> = { "/patients/": patient.id, "/consultation-slots/": slot.id, "/reservations/": reservation.id };
    for (const [method, prefix, body] of ID_ROUTES) {
      const response = await call(method, `${prefix}${gone[prefix]}`, body === undefined ? {} : { body });
      const problem = await expectProblem(response, 404, "not_found");
      expect(problem.errors).toBeUndefined();
    }
  });

  it.each([
    ["GET", "/does-not-exist"],
    ["POST", "/does-not-exist"],
    ["GET", "/patients/1/notes"],
    ["GET", "/pasien"],
    ["POST", "/health"],
  ])("an unknown route: %s %s", async (method, path) => {
    await expectProblem(await call(method, path), 404, "not_found");
    await expectProblem(await call(method, path, { token: null }), 404, "not_found");
  });
});

describe("every error is a problem document", () => {
  it("with type, title, status, detail and code, and status matching the response", async () => {
    const patient = await createPatient();
    const responses = await Promise.all([
      call("POST", "/patients", { rawBody: "{", headers: { "Content-Type": "application/json" } }),
      call("GET", "/patients", { token: null }),
      call("GET", "/nope"),
      call("POST", "/patients", { body: patientInput({ email: patient.email }) }),
      call("POST", "/patients", { rawBody: "x".repeat(70_000), headers: { "Content-Type": "application/json" } }),
      call("POST", "/patients", { rawBody: "{}", headers: { "Content-Type": "text/plain" } }),
      call("POST", "/patients", { body: {} }),
    ]);
    for (const response of responses) {
      expect(response.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
      const problem = await json(response);
      expect(Object.keys(problem).sort()).toEqual(
        expect.arrayContaining(["code", "detail", "status", "title", "type"]),
      );
      expect(problem.status).toBe(response.status);
      expect(typeof problem.title).toBe("string");
      expect(problem.title.length).toBeGreaterThan(0);
      expect(problem.detail.length).toBeGreaterThan(10);
      expect(problem.code).toMatch(/^[a-z_]+$/);
      expect(() => new URL(problem.type)).not.toThrow();
      if (problem.errors !== undefined) {
        for (const e of problem.errors) expect(Object.keys(e).sort()).toEqual(["message", "path"]);
      }
    }
  });
});

describe("X-Request-Id", () => {
  it("is on every response, success and error alike, and differs per request", async () => {
    const patient = await createPatient();
    const slot = await createSlot({ tanggal: uniqueDate() });
    const responses = [
      await call("GET", "/health", { token: null }),
      await call("GET", "/consultation-slots", { token: null }),
      await call("POST", "/patients", { body: patientInput() }),
      await call("DELETE", `/consultation-slots/${slot.id}`),
      await call("POST", "/patients", { rawBody: "{", headers: { "Content-Type": "application/json" } }),
      await call("GET", "/patients", { token: null }),
      await call("GET", "/patients", { token: "wrong" }),
      await call("GET", "/patients/999999999"),
      await call("GET", "/nope"),
      await call("POST", "/patients", { body: patientInput({ email: patient.email }) }),
      await call("POST", "/patients", { rawBody: "x".repeat(70_000), headers: { "Content-Type": "application/json" } }),
      await call("POST", "/patients", { rawBody: "{}", headers: { "Content-Type": "text/plain" } }),
      await call("GET", "/patients/abc"),
      await call("GET", "/docs", { token: null }),
    ];
    const seen = new Set<string>();
    for (const response of responses) {
      const id = response.headers.get("X-Request-Id");
      expect(id, `${response.status} ${response.url}`).toMatch(/^\S{8,}$/);
      seen.add(id!);
    }
    expect(seen.size).toBe(responses.length);
  });
});

describe("500: anything unexpected", () => {
  /** A D1 binding whose every call fails the way a broken database would, quoting SQL and patient data. */
  const SECRET = "siti.rahayu@example.co.id";
  const brokenDb = new Proxy(
    {},
    {
      get() {
        return () => {
          throw new Error(`D1_ERROR: no such column: nama: SQLITE_ERROR (SELECT "id", "nama" FROM "patients" WHERE email = '${SECRET}')`);
        };
      },
    },
  ) as D1Database;

  /** The same, throwing a plain object rather than an Error (as some libraries do). */
  const strangeDb = new Proxy(
    {},
    {
      get() {
        return () => {
          throw { message: `SQLITE_ERROR SELECT * FROM patients WHERE email = '${SECRET}'` };
        };
      },
    },
  ) as D1Database;

  async function fetchBroken(path: string, init: RequestInit = {}, DB: D1Database = brokenDb): Promise<Response> {
    const app = createApp();
    const ctx = createExecutionContext();
    const headers = new Headers(init.headers);
    headers.set("Authorization", `Bearer ${TOKEN}`);
    const response = await app.fetch(new Request(`http://antrian.test${path}`, { ...init, headers }), { ...env, DB }, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  }

  it.each([
    ["GET", "/patients", undefined],
    ["GET", "/consultation-slots", undefined],
    ["POST", "/patients", JSON.stringify({ nama: "Siti", email: "siti.rahayu@example.co.id", nomor_telepon: "081234567890" })],
  ])("%s %s with a failing database: 500 internal_error, no stack trace, no SQL, no patient data", async (method, path, body) => {
    const response = await fetchBroken(path, {
      method,
      ...(body ? { body, headers: { "Content-Type": "application/json" } } : {}),
    });
    const text = await response.clone().text();
    await expectProblem(response, 500, "internal_error");
    expect(response.headers.get("X-Request-Id")).toMatch(/\S{8,}/);
    for (const leak of [SECRET, "SELECT", "SQLITE", "D1_ERROR", "no such column", "FROM", "    at ", ".ts:", ".js:", "stack"]) {
      expect(text, leak).not.toContain(leak);
    }
  });

  it("a thrown value that is not an Error still leaves as a 500 problem, with no SQL or patient data", async () => {
    const response = await fetchBroken("/patients", {}, strangeDb);
    const text = await response.clone().text();
    await expectProblem(response, 500, "internal_error");
    expect(response.headers.get("X-Request-Id")).toMatch(/\S{8,}/);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("SELECT");
  });
});
