/**
 * SPEC §7: staff routes need `Authorization: Bearer <token>`, one of the
 * comma-separated API_TOKENS (the test config sets "test-token,second-token");
 * without API_TOKENS they answer 503, closed rather than open. Public routes
 * need nothing.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { bookPlace, call, createPatient, createSlot, expectProblem, json, patientInput, uniqueDate } from "./helpers";

/** Every token route of SPEC §4, with a body that would be valid where one is taken. */
const TOKEN_ROUTES: [method: string, path: string, body?: unknown][] = [
  ["POST", "/consultation-slots", { tanggal: "2090-06-01", waktu: "09:00" }],
  ["PUT", "/consultation-slots/1", { tanggal: "2090-06-01", waktu: "09:00" }],
  ["PATCH", "/consultation-slots/1", { kuota: 5 }],
  ["DELETE", "/consultation-slots/1"],
  ["GET", "/patients"],
  ["POST", "/patients", { nama: "Siti", email: "siti@example.co.id", nomor_telepon: "081234567890" }],
  ["GET", "/patients/1"],
  ["PUT", "/patients/1", { nama: "Siti", email: "siti@example.co.id", nomor_telepon: "081234567890" }],
  ["PATCH", "/patients/1", { nama: "Siti" }],
  ["DELETE", "/patients/1"],
  ["GET", "/reservations"],
  ["POST", "/reservations", { patient_id: 1, consultation_slot_id: 1 }],
  ["GET", "/reservations/1"],
  ["PATCH", "/reservations/1", { status: "cancelled" }],
  ["DELETE", "/reservations/1"],
  // SPEC §10
  ["POST", "/consultation-slots/1/queue/next"],
];

function label([method, path]: [string, string, unknown?]) {
  return `${method} ${path}`;
}

async function expectUnauthorized(response: Response, what: string) {
  const problem = await expectProblem(response, 401, "unauthorized");
  const challenge = response.headers.get("WWW-Authenticate");
  expect(challenge, what).toMatch(/^Bearer\b/);
  expect(response.headers.get("X-Request-Id"), what).toBeTruthy();
  return problem;
}

/** Counts patients with the staff token, to show a refused request wrote nothing. */
async function patientTotal(): Promise<number> {
  return (await json(await call("GET", "/patients?limit=1"))).total;
}

describe("token routes", () => {
  it.each(TOKEN_ROUTES.map((r) => [label(r), r] as const))("%s without a token is 401 with WWW-Authenticate: Bearer", async (what, [method, path, body]) => {
    await expectUnauthorized(await call(method, path, { token: null, ...(body === undefined ? {} : { body }) }), what);
  });

  it.each(TOKEN_ROUTES.map((r) => [label(r), r] as const))("%s with a wrong token is 401", async (what, [method, path, body]) => {
    await expectUnauthorized(await call(method, path, { token: "not-the-token", ...(body === undefined ? {} : { body }) }), what);
  });

  it.each([
    ["Basic with the token", "Basic dGVzdC10b2tlbg=="],
    ["Basic with user:token", `Basic ${btoa("staff:test-token")}`],
    ["Token scheme", "Token test-token"],
    ["the bare token", "test-token"],
    ["Bearer with no token", "Bearer"],
    ["Bearer and a space", "Bearer "],
    ["a prefix of the token", "Bearer test-toke"],
    ["the token with a suffix", "Bearer test-tokenX"],
    ["both tokens joined", "Bearer test-token,second-token"],
    ["two tokens", "Bearer test-token second-token"],
    ["an empty token from the list", "Bearer ,"],
  ])("an Authorization header with %s is 401", async (_what, authorization) => {
    const total = await patientTotal();
    for (const [method, path, body] of [
      ["GET", "/patients"],
      ["POST", "/patients", patientInput()],
    ] as const) {
      const response = await call(method, path, {
        token: null,
        headers: { Authorization: authorization },
        ...(body === undefined ? {} : { body }),
      });
      await expectUnauthorized(response, `${method} ${path} with ${authorization}`);
    }
    expect(await patientTotal()).toBe(total);
  });

  it("both configured tokens work", async () => {
    for (const token of ["test-token", "second-token"]) {
      expect((await call("GET", "/patients", { token })).status).toBe(200);
      const created = await call("POST", "/patients", { token, body: patientInput() });
      expect(created.status, await created.clone().text()).toBe(201);
      const { id } = await json(created);
      expect((await call("GET", `/patients/${id}`, { token })).status).toBe(200);
      expect((await call("DELETE", `/patients/${id}`, { token })).status).toBe(204);
    }
  });

  it("a token works on every kind of staff route", async () => {
    const token = "second-token";
    const patient = await createPatient();
    const slot = await createSlot({ tanggal: uniqueDate() });
    expect((await call("PATCH", `/consultation-slots/${slot.id}`, { token, body: { kuota: 3 } })).status).toBe(200);
    const booked = await call("POST", "/reservations", { token, body: { patient_id: patient.id, consultation_slot_id: slot.id } });
    expect(booked.status, await booked.clone().text()).toBe(201);
    const { id } = await json(booked);
    expect((await call("GET", "/reservations", { token })).status).toBe(200);
    expect((await call("PATCH", `/reservations/${id}`, { token, body: { status: "cancelled" } })).status).toBe(200);
    expect((await call("DELETE", `/reservations/${id}`, { token })).status).toBe(204);
  });

  it("the 401 comes before validation: an invalid request without a token is 401, not 4xx about the request", async () => {
    const total = await patientTotal();
    await expectUnauthorized(await call("POST", "/patients", { token: null, body: { nama: "" } }), "invalid body");
    await expectUnauthorized(await call("POST", "/patients", { token: null, body: { id: 5, tidak_dikenal: true } }), "unknown field");
    await expectUnauthorized(
      await call("POST", "/patients", { token: null, rawBody: "{", headers: { "Content-Type": "application/json" } }),
      "malformed JSON",
    );
    await expectUnauthorized(
      await call("POST", "/patients", { token: null, rawBody: "{}", headers: { "Content-Type": "text/plain" } }),
      "not JSON",
    );
    await expectUnauthorized(await call("GET", "/patients/abc", { token: null }), "bad path id");
    await expectUnauthorized(await call("GET", "/patients?limit=0", { token: null }), "bad query");
    await expectUnauthorized(await call("PATCH", "/consultation-slots/0", { token: "wrong", body: { kuota: 0 } }), "bad id and body");
    expect(await patientTotal()).toBe(total);
  });

  it("a refused request changes nothing", async () => {
    const slot = await createSlot({ tanggal: uniqueDate() });
    const patient = await createPatient();
    const reservation = await bookPlace(patient.id, slot.id);
    await expectUnauthorized(await call("DELETE", `/consultation-slots/${slot.id}`, { token: null }), "delete slot");
    await expectUnauthorized(await call("PATCH", `/consultation-slots/${slot.id}`, { token: "x", body: { kuota: 1 } }), "patch slot");
    await expectUnauthorized(await call("DELETE", `/patients/${patient.id}`, { token: null }), "delete patient");
    await expectUnauthorized(await call("PATCH", `/reservations/${reservation.id}`, { token: null, body: { status: "cancelled" } }), "cancel");
    await expectUnauthorized(await call("POST", "/reservations", { token: null, body: { patient_id: (await createPatient()).id, consultation_slot_id: slot.id } }), "book");
    expect(await json(await call("GET", `/consultation-slots/${slot.id}`))).toMatchObject({ kuota: slot.kuota, terisi: 1 });
    expect((await json(await call("GET", `/reservations/${reservation.id}`))).status).toBe("booked");
  });
});

describe("public routes", () => {
  it.each([
    ["/", "application/json"],
    ["/health", "application/json"],
    ["/consultation-slots", "application/json"],
    ["/docs", "text/html"],
  ])("GET %s needs no token", async (path, contentType) => {
    const response = await call("GET", path, { token: null });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get("Content-Type")).toContain(contentType);
  });

  it("GET /openapi.json needs no token", async () => {
    const response = await call("GET", "/openapi.json", { token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("application/json");
  });

  it("GET /consultation-slots/{id} needs no token", async () => {
    const slot = await createSlot({ tanggal: uniqueDate() });
    const response = await call("GET", `/consultation-slots/${slot.id}`, { token: null });
    expect(response.status).toBe(200);
    expect((await json(response)).id).toBe(slot.id);
  });

  it("the queue status and the waiting-room page (SPEC §10) need no token", async () => {
    const slot = await createSlot({ tanggal: uniqueDate() });
    const queue = await call("GET", `/consultation-slots/${slot.id}/queue`, { token: null });
    expect(queue.status, await queue.clone().text()).toBe(200);
    const display = await call("GET", `/display/${slot.id}`, { token: null });
    expect(display.status).toBe(200);
    expect(display.headers.get("Content-Type")).toContain("text/html");
  });

  it("a wrong token on a public route is ignored, not refused", async () => {
    expect((await call("GET", "/consultation-slots", { token: "wrong" })).status).toBe(200);
  });
});

describe("503 auth_not_configured: API_TOKENS unset", () => {
  async function fetchWith(apiTokens: string | undefined, method: string, path: string, init: { body?: unknown; token?: string } = {}) {
    const app = createApp();
    const ctx = createExecutionContext();
    const headers = new Headers();
    if (init.token) headers.set("Authorization", `Bearer ${init.token}`);
    if (init.body !== undefined) headers.set("Content-Type", "application/json");
    const request = new Request(`http://antrian.test${path}`, {
      method,
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const response = await app.fetch(request, { ...env, API_TOKENS: apiTokens } as Env, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  }

  it.each([
    ["empty", ""],
    ["unset", undefined],
    ["only separators", " , ,"],
  ])("API_TOKENS %s: every token route answers 503, with or without a token", async (_what, apiTokens) => {
    for (const [method, path, body] of TOKEN_ROUTES) {
      for (const token of [undefined, "test-token"]) {
        const response = await fetchWith(apiTokens, method, path, { body, ...(token ? { token } : {}) });
        await expectProblem(response, 503, "auth_not_configured");
      }
    }
  });

  it("public routes still answer", async () => {
    for (const path of ["/", "/health", "/consultation-slots"]) {
      expect((await fetchWith("", "GET", path)).status, path).toBe(200);
    }
  });

  it("tokens are trimmed and the list may be rotated: ' alpha , beta ' accepts alpha and beta only", async () => {
    expect((await fetchWith(" alpha , beta ", "GET", "/patients", { token: "alpha" })).status).toBe(200);
    expect((await fetchWith(" alpha , beta ", "GET", "/patients", { token: "beta" })).status).toBe(200);
    await expectProblem(await fetchWith(" alpha , beta ", "GET", "/patients", { token: "test-token" }), 401, "unauthorized");
    await expectProblem(await fetchWith(" alpha , beta ", "GET", "/patients", { token: "alpha , beta" }), 401, "unauthorized");
  });
});
