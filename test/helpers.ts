/**
 * Small fixtures: every test makes its own data through the API and uses the
 * ids it got back, never ids it assumes.
 */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";

export const TOKEN = "test-token";
const BASE = "http://antrian.test";

let counter = 0;
function unique(): string {
  counter += 1;
  return `${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 6)}`;
}

export interface CallOptions {
  body?: unknown;
  rawBody?: BodyInit;
  token?: string | null;
  headers?: Record<string, string>;
}

/** Calls the worker the way a client would, with the staff token unless told otherwise. */
export async function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  }
  return exports.default.fetch(new Request(`${BASE}${path}`, { method, headers, body }));
}

export async function json<T = any>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** Asserts a problem document with the given status and code, and returns it. */
export async function expectProblem(response: Response, status: number, code: string) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("Content-Type")).toContain("application/problem+json");
  const problem = JSON.parse(text);
  expect(problem).toMatchObject({ status, code });
  expect(typeof problem.type).toBe("string");
  expect(typeof problem.title).toBe("string");
  expect(typeof problem.detail).toBe("string");
  expect(problem.detail.length).toBeGreaterThan(10);
  return problem as { type: string; title: string; status: number; detail: string; code: string; errors?: { path: string; message: string }[] };
}

export function patientInput(overrides: Record<string, unknown> = {}) {
  const id = unique();
  return {
    nama: `Pasien ${id}`,
    email: `pasien.${id}@example.co.id`,
    nomor_telepon: "081234567890",
    ...overrides,
  };
}

export async function createPatient(overrides: Record<string, unknown> = {}) {
  const response = await call("POST", "/patients", { body: patientInput(overrides) });
  expect(response.status).toBe(201);
  return json<{ id: number; nama: string; email: string; nomor_telepon: string }>(response);
}

/** A date `days` from today (UTC) as YYYY-MM-DD; positive = future. */
export function dateInDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

export async function createSlot(overrides: Record<string, unknown> = {}) {
  const response = await call("POST", "/consultation-slots", {
    body: { tanggal: dateInDays(30), waktu: "09:00", kuota: 20, ...overrides },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return json<{ id: number; kuota: number; terisi: number; tanggal: string; waktu: string }>(response);
}

export async function book(patientId: number, slotId: number, headers: Record<string, string> = {}) {
  return call("POST", "/reservations", { body: { patient_id: patientId, consultation_slot_id: slotId }, headers });
}

export async function createPatients(n: number) {
  const patients = [];
  // Sequential batches keep the fixture fast without making the setup itself a race.
  for (let i = 0; i < n; i += 50) {
    patients.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => createPatient()))));
  }
  return patients;
}

let dateCursor = 0;

/**
 * `count` consecutive dates that no other caller in this test file gets: from
 * 2090 on (bookable for decades), or from 1990 on with `past`. A filter on
 * them sees only the slots of the test that asked, whatever else the file made.
 */
export function uniqueDates(count: number, options: { past?: boolean } = {}): string[] {
  const start = Date.UTC(options.past ? 1990 : 2090, 0, 1) + dateCursor * 86_400_000;
  dateCursor += count + 1; // a gap, so two blocks never touch
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

export function uniqueDate(options: { past?: boolean } = {}): string {
  return uniqueDates(1, options)[0]!;
}

/** Books a place and asserts the 201; returns the reservation. */
export async function bookPlace(patientId: number, slotId: number) {
  const response = await book(patientId, slotId);
  expect(response.status, await response.clone().text()).toBe(201);
  return json<{ id: number; nomor_antrian: number; status: string; consultation_slot_id: number; patient_id: number }>(response);
}

/** Changes a reservation's status and asserts the 200. */
export async function setReservationStatus(reservationId: number, status: string) {
  const response = await call("PATCH", `/reservations/${reservationId}`, { body: { status } });
  expect(response.status, await response.clone().text()).toBe(200);
  return json<{ id: number; status: string }>(response);
}

/** ISO-8601 in UTC with T and Z (SPEC §3), e.g. 2026-12-04T15:00:00Z. */
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
