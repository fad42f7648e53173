/** SPEC §9: CORS allow-list, secure headers, no-store, rate limiting, and what the logs may contain. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app";
import { book, call, createPatient, createSlot, expectProblem, json, TOKEN } from "./helpers";

/** The app with some vars changed, as a deployment with other settings would run it. */
async function fetchWith(vars: Partial<Env>, request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await createApp().fetch(request, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe("CORS", () => {
  const preflight = (origin: string) =>
    new Request("http://antrian.test/patients", {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type" },
    });

  it("allows only the origins listed in CORS_ORIGINS", async () => {
    const vars = { CORS_ORIGINS: "https://klinik-sehat.example, https://app.klinik.example" };
    const allowed = await fetchWith(vars, preflight("https://app.klinik.example"));
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("https://app.klinik.example");
    expect(allowed.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("authorization");

    const other = await fetchWith(vars, preflight("https://evil.example"));
    expect(other.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("reflects nothing by default", async () => {
    const response = await fetchWith({ CORS_ORIGINS: "" }, preflight("https://anything.example"));
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const get = await call("GET", "/health", { token: null, headers: { Origin: "https://anything.example" } });
    expect(get.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});

describe("headers on every response", () => {
  it("sends secure headers and Cache-Control: no-store on patient data", async () => {
    const patient = await createPatient();
    for (const path of [`/patients/${patient.id}`, "/patients", "/reservations", "/patients/999999999"]) {
      const response = await call("GET", path);
      expect(response.headers.get("Cache-Control"), path).toBe("no-store");
      expect(response.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
      expect(response.headers.get("Strict-Transport-Security"), path).toMatch(/max-age=/);
      expect(response.headers.get("X-Frame-Options"), path).toBeTruthy();
    }
  });
});

describe("rate limiting (Workers Rate Limiting binding)", () => {
  it("answers 429 with Retry-After once a client passes its limit, per token", async () => {
    const vars = { RATE_LIMIT: "on" } as Partial<Env>;
    const request = (token: string) =>
      new Request("http://antrian.test/patients?limit=1", { headers: { Authorization: `Bearer ${token}` } });
    let limited: Response | undefined;
    // wrangler.toml allows 600 staff requests a minute per token.
    for (let i = 0; i < 700 && !limited; i++) {
      const response = await fetchWith(vars, request(TOKEN));
      if (response.status === 429) limited = response;
      else expect(response.status).toBe(200);
    }
    expect(limited, "no 429 after 700 requests").toBeDefined();
    await expectProblem(limited!, 429, "rate_limited");
    expect(Number(limited!.headers.get("Retry-After"))).toBeGreaterThan(0);
    // Another token has its own budget.
    expect((await fetchWith(vars, request("second-token"))).status).toBe(200);
  });
});

describe("logs (SPEC §9)", () => {
  afterEach(() => vi.restoreAllMocks());

  it("one JSON line per request and per error, never a name, email, phone, token or SQL parameter", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    vi.spyOn(console, "log").mockImplementation(capture);
    vi.spyOn(console, "error").mockImplementation(capture);
    vi.spyOn(console, "warn").mockImplementation(capture);
    vi.spyOn(console, "info").mockImplementation(capture);

    const secret = {
      nama: "Rahasia Wulandari",
      email: "rahasia.wulandari@pribadi.example",
      nomor_telepon: "0813-9876-5432",
    };
    const patient = await json(await call("POST", "/patients", { body: secret }));
    const slot = await createSlot({ kuota: 1 });
    // Every error path, with the patient's data in the request where it can be.
    await call("POST", "/patients", { body: secret }); // 409 email_taken
    await call("POST", "/patients", { body: { ...secret, email: "bukan-email" } }); // 422
    await call("POST", "/patients", { rawBody: `{"nama":"${secret.nama}"`, headers: { "Content-Type": "application/json" } }); // 400
    await call("POST", "/patients", { rawBody: JSON.stringify(secret) }); // 415
    await call("POST", "/patients", { rawBody: `{"nama":"${secret.nama}","x":"${"a".repeat(70_000)}"}`, headers: { "Content-Type": "application/json" } }); // 413
    await call("GET", `/patients?q=${encodeURIComponent(secret.email)}`, { token: "wrong-secret-token" }); // 401
    await call("GET", `/patients?q=${encodeURIComponent(secret.nama)}`); // 200 with a search for the name
    await call("GET", "/patients/999999999"); // 404
    await book(patient.id, slot.id);
    await book(patient.id, slot.id); // 409 duplicate
    await book((await createPatient()).id, slot.id); // 409 full
    await book(987_654_321, (await createSlot()).id); // 422 patient_not_found (a D1 constraint failure)
    await call("PATCH", `/patients/${patient.id}`, { body: { nomor_telepon: "bukan telepon" } }); // 422
    await call("DELETE", `/patients/${patient.id}`); // 409 pending
    // An unexpected failure: D1 gone for one request.
    const broken = { ...env, DB: new Proxy(env.DB, { get: () => () => { throw new Error(`D1_ERROR: no such table; params ${secret.email}`); } }) };
    const ctx = createExecutionContext();
    const failed = await createApp().fetch(
      new Request("http://antrian.test/patients", { method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" }, body: JSON.stringify({ ...secret, email: "lain@pribadi.example" }) }),
      broken as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(failed.status).toBe(500);
    const failure = await json(failed);
    expect(failure.code).toBe("internal_error");
    expect(JSON.stringify(failure)).not.toMatch(/D1_ERROR|no such table|pribadi|at .*\.ts/);

    const forbidden = [secret.nama, "Rahasia", "Wulandari", secret.email, "pribadi.example", "0813-9876-5432", "081398765432", TOKEN, "wrong-secret-token", "INSERT", "SELECT"];
    expect(lines.length).toBeGreaterThan(15);
    for (const line of lines) {
      for (const word of forbidden) expect(line, `log line leaks "${word}"`).not.toContain(word);
    }
    const records = lines.map((line) => JSON.parse(line));
    const requests = records.filter((r) => r.type === "request");
    expect(requests.length).toBeGreaterThanOrEqual(17);
    for (const r of requests) {
      expect(r).toMatchObject({ request_id: expect.any(String), route: expect.any(String), status: expect.any(Number), duration_ms: expect.any(Number) });
      expect(r.route).not.toMatch(/\d{3,}/);
    }
    const errors = records.filter((r) => r.type === "error");
    expect(errors).toContainEqual(expect.objectContaining({ code: "internal_error", error: "Error", level: "error" }));
    // One error line for every error answer, 4xx included, each with its class and code.
    const answeredCodes = errors.map((r) => r.code);
    for (const code of ["email_taken", "validation_failed", "malformed_json", "unsupported_media_type", "payload_too_large", "unauthorized", "not_found", "duplicate_reservation", "slot_full", "patient_not_found", "has_pending_reservations"]) {
      expect(answeredCodes, code).toContain(code);
    }
    for (const r of errors) expect(typeof r.error).toBe("string");
    expect(errors.length).toBe(requests.filter((r) => r.status >= 400).length);
  });
});
