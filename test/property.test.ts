/**
 * Property-based tests (fast-check) of every write route, against SPEC §3–§6
 * and §10. Each run generates one request — valid-looking records (Indonesian
 * names, emails, phone numbers, real dates, HH:MM times) mixed with hostile
 * ones (malformed or truncated JSON, JSON that is not an object, wrong types,
 * huge numbers, strings up to and over the 64 KiB body limit, emoji, RTL,
 * zero-width and NUL characters, unknown and read-only fields, path ids that
 * are not positive integers, wrong Content-Types, missing or wrong tokens) —
 * sends it through the worker, and checks, for every request:
 *
 *  1. the status is 2xx or 4xx, never 5xx;
 *  2. every 4xx is an `application/problem+json` document with type, title,
 *     status (= the HTTP status), detail and a string code;
 *  3. a refused request (4xx) changes nothing in D1 (patients,
 *     consultation_slots, reservations and idempotency_keys are snapshotted
 *     before and after — the one allowed change is the Idempotency-Key record
 *     that SPEC §5 keeps for a 409 refusal, so that a retry replays it);
 *  4. a 2xx answer has the route's documented shape, D1 changed exactly as the
 *     answer says (and nothing else), and the booking invariants of SPEC §5
 *     hold: per slot, places held ≤ kuota, numbers unique, nomor_terakhir ≥
 *     every number issued, at most one place per patient.
 *
 * Where SPEC decides the outcome, the test predicts it from an independent
 * model (the request and the rows in D1 just before it): e.g. a body over
 * 64 KiB is 413, a non-JSON body 400, a non-JSON Content-Type 415, an invalid
 * field 422, a booking 201 exactly when no refusal of §5 applies, a status
 * change 200 or 409 from the state machine of §3, a path id that is not
 * plain decimal digits (`/patients/0x1`, `/patients/1e3`) 422. Where SPEC
 * leaves a choice (which refusal wins when several apply, a Content-Type such
 * as text/json, a NUL in a name, an empty PATCH), only properties 1–4 are
 * checked.
 *
 * Ids in a generated request are placeholders (`{"§ref": "patient", pick}`),
 * resolved against the rows in D1 just before the request is sent, so runs hit
 * existing records as well as missing ones. A failure message shows the
 * request as it was sent and the answer.
 */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { call, TOKEN } from "./helpers";

// ---------------------------------------------------------------------------
// D1 snapshots and the invariants of SPEC §5
// ---------------------------------------------------------------------------

interface PatientRow {
  id: number;
  nama: string;
  email: string;
  nomor_telepon: string;
  created_at: string;
  updated_at: string;
}
interface SlotRow {
  id: number;
  tanggal: string;
  waktu: string;
  kuota: number;
  ketersediaan: number;
  durasi_menit: number;
  nomor_terakhir: number;
  sedang_dilayani: number | null;
  created_at: string;
  updated_at: string;
}
interface ReservationRow {
  id: number;
  patient_id: number;
  consultation_slot_id: number;
  nomor_antrian: number;
  status: string;
  called_at: string | null;
  created_at: string;
  updated_at: string;
}
interface KeyRow {
  token_hash: string;
  idempotency_key: string;
  request_hash: string;
  response_status: number | null;
  response_body: string | null;
  response_location: string | null;
  created_at: string;
}
interface Snapshot {
  patients: PatientRow[];
  consultation_slots: SlotRow[];
  reservations: ReservationRow[];
  idempotency_keys: KeyRow[];
}

async function snapshot(): Promise<Snapshot> {
  const [p, s, r, k] = await env.DB.batch([
    env.DB.prepare("SELECT * FROM patients ORDER BY id"),
    env.DB.prepare("SELECT * FROM consultation_slots ORDER BY id"),
    env.DB.prepare("SELECT * FROM reservations ORDER BY id"),
    env.DB.prepare("SELECT * FROM idempotency_keys ORDER BY token_hash, idempotency_key"),
  ]);
  return {
    patients: p!.results as unknown as PatientRow[],
    consultation_slots: s!.results as unknown as SlotRow[],
    reservations: r!.results as unknown as ReservationRow[],
    idempotency_keys: k!.results as unknown as KeyRow[],
  };
}

/** The same four rules, over a snapshot already taken (no extra round trip after each 2xx). */
function expectInvariants(snap: Snapshot, context: string): void {
  const slots = new Map(snap.consultation_slots.map((s) => [s.id, s]));
  const heldBySlot = new Map<number, number>();
  const numbers = new Set<string>();
  const places = new Set<string>();
  const highest = new Map<number, number>();
  for (const r of snap.reservations) {
    const number = `${r.consultation_slot_id}/${r.nomor_antrian}`;
    expect(numbers.has(number), `nomor_antrian ${number} shared in a slot after ${context}`).toBe(false);
    numbers.add(number);
    highest.set(r.consultation_slot_id, Math.max(highest.get(r.consultation_slot_id) ?? 0, r.nomor_antrian));
    if (r.status === "cancelled") continue;
    heldBySlot.set(r.consultation_slot_id, (heldBySlot.get(r.consultation_slot_id) ?? 0) + 1);
    const place = `${r.consultation_slot_id}/${r.patient_id}`;
    expect(places.has(place), `patient holding two places (slot/patient ${place}) after ${context}`).toBe(false);
    places.add(place);
  }
  for (const [slotId, count] of heldBySlot) {
    expect(count, `slot ${slotId} overbooked after ${context}`).toBeLessThanOrEqual(slots.get(slotId)?.kuota ?? 0);
  }
  for (const [slotId, top] of highest) {
    expect(slots.get(slotId)?.nomor_terakhir ?? 0, `slot ${slotId}: nomor_terakhir below ${top} after ${context}`).toBeGreaterThanOrEqual(top);
  }
}

/** SPEC §5 rules 1, 3, 4 and the counter behind rule 2, checked in SQL over every slot. */
async function checkInvariants(context: string): Promise<void> {
  const [overbooked, duplicateNumbers, counterBehind, doublePlaces] = await env.DB.batch([
    env.DB.prepare(
      `SELECT s.id, s.kuota, (SELECT count(*) FROM reservations r WHERE r.consultation_slot_id = s.id AND r.status <> 'cancelled') AS held
       FROM consultation_slots s WHERE held > s.kuota`,
    ),
    env.DB.prepare(
      `SELECT consultation_slot_id, nomor_antrian, count(*) AS n FROM reservations
       GROUP BY consultation_slot_id, nomor_antrian HAVING n > 1`,
    ),
    env.DB.prepare(
      `SELECT s.id, s.nomor_terakhir, max(r.nomor_antrian) AS highest FROM consultation_slots s
       JOIN reservations r ON r.consultation_slot_id = s.id GROUP BY s.id HAVING highest > s.nomor_terakhir`,
    ),
    env.DB.prepare(
      `SELECT consultation_slot_id, patient_id, count(*) AS n FROM reservations WHERE status <> 'cancelled'
       GROUP BY consultation_slot_id, patient_id HAVING n > 1`,
    ),
  ]);
  expect(overbooked!.results, `overbooked slot (places held > kuota) after ${context}`).toEqual([]);
  expect(duplicateNumbers!.results, `nomor_antrian shared in a slot after ${context}`).toEqual([]);
  expect(counterBehind!.results, `nomor_terakhir below an issued number after ${context}`).toEqual([]);
  expect(doublePlaces!.results, `patient holding two places in a slot after ${context}`).toEqual([]);
}

// ---------------------------------------------------------------------------
// Small models of SPEC: clinic time, validity of fields, the state machine
// ---------------------------------------------------------------------------

const TIME_ZONE = env.CLINIC_TIMEZONE || "Asia/Jakarta";
const clinicFormat = new Intl.DateTimeFormat("en-CA", {
  timeZone: TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** Now (plus `minutes`) in the clinic as YYYY-MM-DDTHH:MM. */
function clinicNowPlus(minutes: number): string {
  const parts = Object.fromEntries(clinicFormat.formatToParts(new Date(Date.now() + minutes * 60_000)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}
const clinicNow = () => clinicNowPlus(0);

/** "started" (the start minute is reached), "ahead", or "edge" within two minutes of now (not asserted). */
function slotTiming(slot: { tanggal: string; waktu: string }): "started" | "ahead" | "edge" {
  const start = `${slot.tanggal}T${slot.waktu}`;
  const now = clinicNow();
  const distance = Math.abs(Date.parse(`${start}:00Z`) - Date.parse(`${now}:00Z`));
  if (!Number.isNaN(distance) && distance <= 2 * 60_000) return "edge";
  return start <= now ? "started" : "ahead";
}

type Verdict = "valid" | "invalid" | "unknown";

function combine(verdicts: Verdict[]): Verdict {
  if (verdicts.includes("invalid")) return "invalid";
  if (verdicts.includes("unknown")) return "unknown";
  return "valid";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON object with exactly the allowed keys (read-only and unknown fields are invalid, SPEC §6). */
function objectVerdict(
  value: unknown,
  fields: Record<string, (v: unknown) => Verdict>,
  required: string[],
): Verdict {
  if (!isObject(value)) return "invalid";
  const keys = Object.keys(value);
  if (keys.some((k) => !Object.hasOwn(fields, k))) return "invalid";
  if (required.some((k) => !Object.hasOwn(value, k))) return "invalid";
  return combine(keys.map((k) => fields[k]!(value[k])));
}

const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function namaVerdict(v: unknown): Verdict {
  if (typeof v !== "string") return "invalid";
  const t = v.trim();
  if (t.length === 0) return "invalid";
  if ([...t].length > 100) return "invalid";
  // Over 100 UTF-16 units but at most 100 characters: SPEC's "chars" could mean either.
  if (t.length > 100) return "unknown";
  // SPEC says nothing of control characters or broken UTF-16 in a name.
  if (CONTROL.test(t) || LONE_SURROGATE.test(t)) return "unknown";
  return "valid";
}

const PLAIN_EMAIL =
  /^(?!.*\.\.)[a-z0-9](?:[a-z0-9._+-]{0,40}[a-z0-9])?@[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?)*\.[a-z]{2,12}$/i;

function emailVerdict(v: unknown): Verdict {
  if (typeof v !== "string") return "invalid";
  const t = v.trim();
  if (t.length === 0 || t.length > 254) return "invalid";
  if (!t.includes("@") || t.startsWith("@") || t.endsWith("@")) return "invalid";
  if (/\s/.test(t) && !t.includes('"')) return "invalid";
  if (t.split("@").length > 2 && !t.includes('"')) return "invalid";
  if (PLAIN_EMAIL.test(t)) return "valid";
  return "unknown";
}

/** Indonesian mobile numbers: 08… or +62 8…, single spaces or dashes between digits. */
const INDONESIAN_PHONE = /^(?:\+62[ -]?|0)8(?:[ -]?\d){8,10}$/;

function phoneVerdict(v: unknown): Verdict {
  if (typeof v !== "string") return "invalid";
  const t = v.trim();
  if (t.length === 0 || t.length > 30) return "invalid";
  if (/[^\d\s+().-]/.test(t)) return "invalid";
  const digits = t.replace(/\D/g, "").length;
  if (digits < 6 || digits > 20) return "invalid";
  if (INDONESIAN_PHONE.test(t)) return "valid";
  return "unknown";
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function tanggalVerdict(v: unknown): Verdict {
  if (typeof v !== "string") return "invalid";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return "invalid";
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return "invalid";
  if (year === 0) return "unknown"; // ISO 8601's year 0 (1 BC): SPEC is silent
  return "valid";
}

function waktuVerdict(v: unknown): Verdict {
  return typeof v === "string" && /^([01]\d|2[0-3]):[0-5]\d$/.test(v) ? "valid" : "invalid";
}

const intIn = (min: number, max: number) => (v: unknown): Verdict =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? "valid" : "invalid";

const boolVerdict = (v: unknown): Verdict => (typeof v === "boolean" ? "valid" : "invalid");
const refVerdict = intIn(1, Number.MAX_SAFE_INTEGER);

const STATUSES = ["booked", "checked_in", "served", "no_show", "cancelled"] as const;
const statusVerdict = (v: unknown): Verdict => (STATUSES.includes(v as never) ? "valid" : "invalid");
const PENDING = new Set(["booked", "checked_in"]);
const TRANSITIONS: Record<string, string[]> = {
  booked: ["checked_in", "served", "no_show", "cancelled"],
  checked_in: ["served", "no_show", "cancelled"],
  served: [],
  no_show: [],
  cancelled: [],
};

const PATIENT_FIELDS = { nama: namaVerdict, email: emailVerdict, nomor_telepon: phoneVerdict };
const SLOT_FIELDS = {
  tanggal: tanggalVerdict,
  waktu: waktuVerdict,
  kuota: intIn(1, 1000),
  ketersediaan: boolVerdict,
  durasi_menit: intIn(1, 240),
};

// ---------------------------------------------------------------------------
// Generated requests and their resolution against D1
// ---------------------------------------------------------------------------

type RefKind =
  | "patient"
  | "slot"
  | "reservation"
  | "missing"
  | "email"
  /** open, ahead by more than an hour, a place left: where a booking can succeed */
  | "open_slot"
  /** with a pending reservation still to call */
  | "callable_slot"
  | "pending_reservation";
/** An id (or an existing patient's email) chosen when the request is sent. */
interface Ref {
  "§ref": RefKind;
  pick: number;
  upper?: boolean;
}
type PathId = Ref | { raw: string; encode: boolean };

type Payload = { json: unknown } | { text: string };
interface BodySpec {
  payload: Payload;
  /** null: no Content-Type header at all (the body is sent as bytes). */
  contentType: string | null;
  stream: boolean;
}
type TokenSpec = "staff" | "second" | "none" | "wrong" | "basic";
const TOKENS: Record<TokenSpec, string | null> = {
  staff: TOKEN,
  second: "second-token",
  none: null,
  wrong: "not-a-token",
  basic: null,
};

interface Gen {
  id?: PathId;
  body?: BodySpec;
  token: TokenSpec;
  key?: string;
}

function isRef(value: unknown): value is Ref {
  return isObject(value) && Object.hasOwn(value, "§ref") && typeof value.pick === "number";
}

const MISSING_BASE = 1_000_000_000;

function resolveRef(ref: Ref, snap: Snapshot): number | string {
  const pickFrom = <T extends { id: number }>(rows: T[]) => rows[ref.pick % Math.max(rows.length, 1)];
  switch (ref["§ref"]) {
    case "patient":
      return pickFrom(snap.patients)?.id ?? MISSING_BASE + ref.pick;
    case "slot":
      return pickFrom(snap.consultation_slots)?.id ?? MISSING_BASE + ref.pick;
    case "reservation":
      return pickFrom(snap.reservations)?.id ?? MISSING_BASE + ref.pick;
    case "missing":
      return MISSING_BASE + ref.pick;
    case "open_slot": {
      const soon = clinicNowPlus(60);
      const open = snap.consultation_slots.filter(
        (s) => s.ketersediaan === 1 && `${s.tanggal}T${s.waktu}` > soon && held(snap, s.id) < s.kuota,
      );
      return pickFrom(open)?.id ?? pickFrom(snap.consultation_slots)?.id ?? MISSING_BASE + ref.pick;
    }
    case "callable_slot": {
      const callable = snap.consultation_slots.filter((s) => nextToCall(snap, s));
      return pickFrom(callable)?.id ?? pickFrom(snap.consultation_slots)?.id ?? MISSING_BASE + ref.pick;
    }
    case "pending_reservation": {
      const pending = snap.reservations.filter((r) => PENDING.has(r.status));
      return pickFrom(pending)?.id ?? pickFrom(snap.reservations)?.id ?? MISSING_BASE + ref.pick;
    }
    case "email": {
      const email = pickFrom(snap.patients)?.email ?? `nobody.${ref.pick}@example.co.id`;
      return ref.upper ? email.toUpperCase() : email;
    }
  }
}

function resolveValue(value: unknown, snap: Snapshot): unknown {
  if (isRef(value)) return resolveRef(value, snap);
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, snap));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, { value: resolveValue(v, snap), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

type PathState =
  | { kind: "id"; id: number }
  /**
   * Not a positive integer in plain decimal digits (`abc`, `0`, `-1`, `1.5`,
   * `1e3`, `0x10`, ` 1`, `01`, beyond 2^53 − 1): SPEC §6 says 422. Reading
   * `1e3` as 1000 would serve another record than the one named.
   */
  | { kind: "invalid"; segment: string };

interface Sent {
  method: string;
  url: string;
  path: PathState | null;
  token: TokenSpec;
  key: string | undefined;
  contentType: string | null;
  bytes: Uint8Array | null;
  stream: boolean;
  /** The body as the server will parse it: undefined = no body, NOT_JSON = not parseable. */
  parsed: unknown;
}
const NOT_JSON = Symbol("not JSON");
/** A leading BOM: Request.json() strips it, JSON.parse does not; the outcome is not asserted. */
const NOT_JSON_UNSURE = Symbol("BOM");

function pathState(id: PathId, snap: Snapshot): { segment: string; state: PathState } {
  if ("§ref" in id) {
    const n = resolveRef(id, snap) as number;
    return { segment: String(n), state: { kind: "id", id: n } };
  }
  const segment = id.encode ? encodeURIComponent(id.raw) : id.raw;
  let decoded = id.raw;
  if (!id.encode) {
    try {
      decoded = decodeURIComponent(id.raw);
    } catch {
      decoded = id.raw;
    }
  }
  const n = Number(decoded);
  if (/^[1-9]\d*$/.test(decoded) && Number.isSafeInteger(n)) return { segment, state: { kind: "id", id: n } };
  return { segment, state: { kind: "invalid", segment: decoded } };
}

const encoder = new TextEncoder();

function resolve(route: Route, gen: Gen, snap: Snapshot): Sent {
  let path = route.path;
  let state: PathState | null = null;
  if (route.hasId) {
    const p = pathState(gen.id!, snap);
    path = path.replace("{id}", p.segment);
    state = p.state;
  }
  let bytes: Uint8Array | null = null;
  let parsed: unknown;
  let contentType: string | null = null;
  let stream = false;
  if (gen.body) {
    const text =
      "json" in gen.body.payload ? JSON.stringify(resolveValue(gen.body.payload.json, snap)) ?? "" : gen.body.payload.text;
    bytes = encoder.encode(text);
    contentType = gen.body.contentType;
    stream = gen.body.stream;
    if (text.charCodeAt(0) === 0xfeff) parsed = NOT_JSON_UNSURE;
    else {
      try {
        parsed = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        parsed = NOT_JSON;
      }
    }
  }
  return { method: route.method, url: path, path: state, token: gen.token, key: gen.key, contentType, bytes, stream, parsed };
}

async function send(sent: Sent): Promise<Response> {
  const headers: Record<string, string> = {};
  if (sent.contentType !== null) headers["Content-Type"] = sent.contentType;
  if (sent.key !== undefined) headers["Idempotency-Key"] = sent.key;
  if (sent.token === "basic") headers.Authorization = "Basic dGVzdC10b2tlbjp4";
  let rawBody: BodyInit | undefined;
  if (sent.bytes) {
    if (sent.stream) {
      const bytes = sent.bytes;
      // Chunked, no Content-Length: the body limit must count what it reads (SPEC §9).
      rawBody = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 16_384) controller.enqueue(bytes.slice(i, i + 16_384));
          controller.close();
        },
      });
    } else {
      rawBody = sent.bytes;
    }
  }
  return call(sent.method, sent.url, { rawBody, headers, token: TOKENS[sent.token] });
}

/** The existing rows a request names (path id, patient_id, consultation_slot_id), as D1 had them before it. */
function involvedRows(sent: Sent, before: Snapshot): string {
  const out: string[] = [];
  const slotIds = new Set<number>();
  const patientIds = new Set<number>();
  if (sent.path?.kind === "id") {
    const id = sent.path.id;
    if (sent.url.startsWith("/patients/")) patientIds.add(id);
    else if (sent.url.startsWith("/consultation-slots/")) slotIds.add(id);
    else {
      const r = byId(before.reservations, id);
      if (r) {
        out.push(`reservation ${id} = ${JSON.stringify(r)}`);
        slotIds.add(r.consultation_slot_id);
      }
    }
  }
  if (isObject(sent.parsed)) {
    if (typeof sent.parsed.patient_id === "number") patientIds.add(sent.parsed.patient_id);
    if (typeof sent.parsed.consultation_slot_id === "number") slotIds.add(sent.parsed.consultation_slot_id);
  }
  for (const id of patientIds) {
    const p = byId(before.patients, id);
    if (p) out.push(`patient ${id} holds ${JSON.stringify(before.reservations.filter((r) => r.patient_id === id).map((r) => [r.consultation_slot_id, r.status]))}`);
  }
  for (const id of slotIds) {
    const slot = byId(before.consultation_slots, id);
    if (slot) {
      const { created_at: _c, updated_at: _u, ...rest } = slot;
      out.push(`slot ${id} = ${JSON.stringify({ ...rest, held: held(before, id) })}`);
    }
  }
  return out.length > 0 ? `\n  D1 before: ${out.join("; ")}` : "";
}

function describeSent(sent: Sent): string {
  let body = "(none)";
  if (sent.bytes) {
    const text = new TextDecoder().decode(sent.bytes);
    body = `${JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text)} (${sent.bytes.length} bytes${sent.stream ? ", streamed" : ""})`;
  }
  return [
    `${sent.method} ${sent.url}`,
    `token=${sent.token}`,
    `content-type=${JSON.stringify(sent.contentType)}`,
    ...(sent.key !== undefined ? [`idempotency-key=${JSON.stringify(sent.key)}`] : []),
    `body=${body}`,
  ].join(" | ");
}

// ---------------------------------------------------------------------------
// Expected outcomes
// ---------------------------------------------------------------------------

/** What SPEC says the answer must be; `any` leaves it to properties 1–4. */
type Expectation =
  | { kind: "any" }
  | { kind: "success" }
  | { kind: "refusal"; statuses: number[]; codes?: string[] }
  | { kind: "replay"; stored: KeyRow };

const ANY: Expectation = { kind: "any" };
const refusal = (status: number | number[], codes?: string[]): Expectation => ({
  kind: "refusal",
  statuses: Array.isArray(status) ? status : [status],
  ...(codes ? { codes } : {}),
});

const JSON_TYPES = ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"];
const NOT_JSON_TYPES = [
  "text/plain",
  "text/plain;charset=UTF-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/xml",
  "text/html",
  "application/octet-stream",
  "image/png",
];
/** Types SPEC does not classify clearly as JSON or not: only properties 1–4. */
const ODD_TYPES = [
  "text/json",
  "application/problem+json",
  "application/merge-patch+json",
  "application/json-patch+json",
  "application/jsonl",
  "application/json, text/plain",
  "application/json; charset=latin1",
  "",
  "*/*",
];

const MAX_BODY = 64 * 1024;

/** The checks every route makes before its own logic, in the order the app makes them. */
function transportExpectation(route: Route, sent: Sent): Expectation | null {
  const size = sent.bytes?.length ?? 0;
  if (size > MAX_BODY) return refusal(413, ["payload_too_large"]);
  if (sent.token === "none" || sent.token === "wrong" || sent.token === "basic") return refusal(401, ["unauthorized"]);
  if (sent.path?.kind === "invalid") return refusal(422, ["validation_failed"]);
  if (sent.key !== undefined) {
    const key = sent.key.trim();
    if (key.length === 0 || key.length > 255) return refusal(422, ["validation_failed"]);
  }
  if (!route.hasBody) return null;
  if (sent.bytes === null || (sent.bytes.length === 0 && sent.contentType === null)) {
    // No body at all: a route that needs fields refuses it somehow (400, 415 or 422); a PATCH may take it as {}.
    return route.verdict?.({}) === "invalid" ? refusal([400, 415, 422]) : ANY;
  }
  if (sent.contentType === null) return refusal(415, ["unsupported_media_type"]);
  if (NOT_JSON_TYPES.includes(sent.contentType)) return refusal(415, ["unsupported_media_type"]);
  if (!JSON_TYPES.includes(sent.contentType)) return ANY;
  if (sent.parsed === NOT_JSON_UNSURE) return ANY;
  if (sent.parsed === NOT_JSON || sent.bytes === null) return refusal(400, ["malformed_json"]);
  return null;
}

// ---------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------

interface Outcome {
  status: number;
  body: any;
  response: Response;
}

interface Route {
  name: string;
  method: string;
  path: string;
  hasId: boolean;
  hasBody: boolean;
  idempotent?: boolean;
  successStatus: number;
  arbitrary: fc.Arbitrary<Gen>;
  /** Validity of the parsed body (only called with a JSON body under the limit). */
  verdict?: (body: unknown) => Verdict;
  /** What SPEC says for a valid request, given D1 before it. */
  expect: (sent: Sent, before: Snapshot) => Expectation;
  /** Checks a 2xx answer and the change in D1. */
  onSuccess: (sent: Sent, outcome: Outcome, before: Snapshot, after: Snapshot) => void;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function byId<T extends { id: number }>(rows: T[], id: number): T | undefined {
  return rows.find((r) => r.id === id);
}

/** Rows added, removed and changed between two snapshots of a table. */
function diff<T extends { id: number }>(before: T[], after: T[]) {
  const old = new Map(before.map((r) => [r.id, r]));
  const now = new Map(after.map((r) => [r.id, r]));
  return {
    added: after.filter((r) => !old.has(r.id)),
    removed: before.filter((r) => !now.has(r.id)),
    changed: after
      .filter((r) => old.has(r.id) && JSON.stringify(old.get(r.id)) !== JSON.stringify(r))
      .map((r) => ({ before: old.get(r.id)!, after: r })),
  };
}

const tableJson = new WeakMap<object, string>();
function jsonOf(rows: object): string {
  let text = tableJson.get(rows);
  if (text === undefined) {
    text = JSON.stringify(rows);
    tableJson.set(rows, text);
  }
  return text;
}

function expectUnchanged(before: Snapshot, after: Snapshot, tables: (keyof Snapshot)[], context: string) {
  for (const table of tables) {
    if (jsonOf(after[table]) === jsonOf(before[table])) continue;
    const d = table === "idempotency_keys" ? null : diff(before[table] as { id: number }[], after[table] as { id: number }[]);
    expect.fail(`${table} changed (${JSON.stringify(d)?.slice(0, 800)}): ${context}`);
  }
}

function expectPatientShape(body: any) {
  expect(Object.keys(body).sort()).toEqual(["created_at", "email", "id", "nama", "nomor_telepon", "updated_at"]);
  expect(Number.isSafeInteger(body.id) && body.id > 0).toBe(true);
  for (const f of ["nama", "email", "nomor_telepon"]) expect(typeof body[f]).toBe("string");
  expect(body.created_at).toMatch(ISO_UTC);
  expect(body.updated_at).toMatch(ISO_UTC);
}

const SLOT_KEYS = [
  "created_at",
  "dapat_dipesan",
  "durasi_menit",
  "id",
  "kuota",
  "ketersediaan",
  "sisa_kuota",
  "tanggal",
  "terisi",
  "updated_at",
  "waktu",
].sort();

function held(snap: Snapshot, slotId: number): number {
  return snap.reservations.filter((r) => r.consultation_slot_id === slotId && r.status !== "cancelled").length;
}

/** A slot as the API shows it, checked against its row and the places held in D1. */
function expectSlotView(body: any, row: SlotRow, snap: Snapshot) {
  expect(Object.keys(body).sort()).toEqual(SLOT_KEYS);
  const terisi = held(snap, row.id);
  expect(body).toMatchObject({
    id: row.id,
    tanggal: row.tanggal,
    waktu: row.waktu,
    kuota: row.kuota,
    durasi_menit: row.durasi_menit,
    ketersediaan: row.ketersediaan === 1,
    terisi,
    sisa_kuota: row.kuota - terisi,
    created_at: row.created_at,
    updated_at: row.updated_at,
  });
  const timing = slotTiming(row);
  if (timing !== "edge") {
    expect(body.dapat_dipesan).toBe(row.ketersediaan === 1 && row.kuota - terisi > 0 && timing === "ahead");
  }
  expect(body.created_at).toMatch(ISO_UTC);
  expect(body.updated_at).toMatch(ISO_UTC);
}

const RESERVATION_KEYS = [
  "consultation_slot_id",
  "created_at",
  "estimasi_dilayani",
  "id",
  "nomor_antrian",
  "patient_id",
  "posisi",
  "status",
  "updated_at",
].sort();

/** A reservation as the API shows it, against its row; posisi counts the waiting ones before it (§10). */
function expectReservationView(body: any, row: ReservationRow, snap: Snapshot) {
  expect(Object.keys(body).sort()).toEqual(RESERVATION_KEYS);
  expect(body).toMatchObject({
    id: row.id,
    patient_id: row.patient_id,
    consultation_slot_id: row.consultation_slot_id,
    nomor_antrian: row.nomor_antrian,
    status: row.status,
    created_at: row.created_at,
    updated_at: row.updated_at,
  });
  expect(body.created_at).toMatch(ISO_UTC);
  const waiting = snap.reservations
    .filter((r) => r.consultation_slot_id === row.consultation_slot_id && PENDING.has(r.status) && r.called_at === null)
    .sort((a, b) => a.nomor_antrian - b.nomor_antrian);
  const posisi = waiting.findIndex((r) => r.id === row.id);
  if (posisi < 0) {
    expect(body.posisi).toBeNull();
    expect(body.estimasi_dilayani).toBeNull();
  } else {
    expect(body.posisi).toBe(posisi);
    expect(body.estimasi_dilayani).toMatch(ISO_UTC);
  }
}

/** The refusals of SPEC §5 that apply to a new place for `patientId` in `slotId`, or "edge" near the slot's start. */
function admissionRefusals(snap: Snapshot, slotId: number, patientId: number): string[] | "edge" {
  const slot = byId(snap.consultation_slots, slotId);
  if (!slot) return ["slot_not_found"];
  const codes: string[] = [];
  if (!byId(snap.patients, patientId)) codes.push("patient_not_found");
  if (slot.ketersediaan !== 1) codes.push("slot_closed");
  const timing = slotTiming(slot);
  if (timing === "edge") return "edge";
  if (timing === "started") codes.push("slot_in_past");
  const holds = snap.reservations.some(
    (r) => r.consultation_slot_id === slotId && r.patient_id === patientId && r.status !== "cancelled",
  );
  if (holds) codes.push("duplicate_reservation");
  if (held(snap, slotId) >= slot.kuota) codes.push("slot_full");
  return codes;
}

const REFUSAL_STATUS: Record<string, number> = {
  slot_not_found: 422,
  patient_not_found: 422,
  slot_closed: 409,
  slot_in_past: 409,
  duplicate_reservation: 409,
  slot_full: 409,
};

function refusalOf(codes: string[]): Expectation {
  return refusal([...new Set(codes.map((c) => REFUSAL_STATUS[c]!))], codes);
}

/** The parsed JSON body; {} when there was none (a PATCH may take that as "change nothing"). */
function bodyOf(sent: Sent): Record<string, unknown> {
  return isObject(sent.parsed) ? sent.parsed : {};
}

function trimmedFields(body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of ["nama", "email", "nomor_telepon"]) {
    if (typeof body[f] === "string") out[f] = (body[f] as string).trim();
  }
  return out;
}

/** Whether `email` (trimmed) belongs, ignoring case, to a patient other than `exceptId`. */
function emailTaken(snap: Snapshot, email: unknown, exceptId?: number): boolean {
  if (typeof email !== "string") return false;
  const lower = email.trim().toLowerCase();
  return snap.patients.some((p) => p.id !== exceptId && p.email.toLowerCase() === lower);
}

function expectPatientEcho(body: any, fields: Record<string, string>) {
  for (const [k, v] of Object.entries(fields)) {
    // Broken UTF-16 (a lone surrogate sent as "\ud800") is not text; SPEC does not say what becomes of it.
    if (LONE_SURROGATE.test(v)) continue;
    expect(body[k], `echo of ${k}`).toBe(v);
  }
}

function expectOnlyRowChanged<T extends { id: number }>(
  before: T[],
  after: T[],
  id: number,
  context: string,
): { before: T; after: T } | null {
  const d = diff(before, after);
  expect(d.added, `rows added: ${context}`).toEqual([]);
  expect(d.removed, `rows removed: ${context}`).toEqual([]);
  expect(d.changed.every((c) => c.after.id === id), `other rows changed: ${context}`).toBe(true);
  return d.changed[0] ?? null;
}

// --- patients --------------------------------------------------------------

function patientWrite(kind: "create" | "replace" | "update"): Pick<Route, "verdict" | "expect" | "onSuccess"> {
  return {
    verdict: (body) =>
      objectVerdict(body, PATIENT_FIELDS, kind === "update" ? [] : ["nama", "email", "nomor_telepon"]),
    expect: (sent, before) => {
      const body = bodyOf(sent);
      if (kind === "create") return emailTaken(before, body.email) ? refusal(409, ["email_taken"]) : { kind: "success" };
      const id = (sent.path as { id: number }).id;
      if (!byId(before.patients, id)) return refusal(404, ["not_found"]);
      return emailTaken(before, body.email, id) ? refusal(409, ["email_taken"]) : { kind: "success" };
    },
    onSuccess: (sent, { body, response }, before, after) => {
      const context = describeSent(sent);
      expectPatientShape(body);
      const fields = trimmedFields(bodyOf(sent));
      expectPatientEcho(body, fields);
      expectUnchanged(before, after, ["consultation_slots", "reservations", "idempotency_keys"], context);
      if (kind === "create") {
        expect(response.headers.get("Location")).toBe(`/patients/${body.id}`);
        const d = diff(before.patients, after.patients);
        expect(d.removed).toEqual([]);
        expect(d.changed).toEqual([]);
        expect(d.added, "the one new row is the answer").toEqual([body]);
        return;
      }
      const id = (sent.path as { id: number }).id;
      expect(body.id).toBe(id);
      const old = byId(before.patients, id)!;
      expect(byId(after.patients, id)).toEqual(body);
      expectOnlyRowChanged(before.patients, after.patients, id, context);
      expect(body.created_at).toBe(old.created_at);
      if (kind === "update") {
        for (const f of ["nama", "email", "nomor_telepon"] as const) {
          if (!(f in fields)) expect(body[f], `PATCH kept ${f}`).toBe(old[f]);
        }
        if (Object.keys(fields).length === 0) expectUnchanged(before, after, ["patients"], `empty PATCH: ${context}`);
      }
    },
  };
}

// --- slots -----------------------------------------------------------------

const SLOT_DEFAULTS = { kuota: 20, ketersediaan: true, durasi_menit: 10 };

function slotWrite(kind: "create" | "replace" | "update"): Pick<Route, "verdict" | "expect" | "onSuccess"> {
  return {
    verdict: (body) => objectVerdict(body, SLOT_FIELDS, kind === "update" ? [] : ["tanggal", "waktu"]),
    expect: (sent, before) => {
      if (kind === "create") return { kind: "success" };
      const id = (sent.path as { id: number }).id;
      const slot = byId(before.consultation_slots, id);
      if (!slot) return refusal(404, ["not_found"]);
      const body = bodyOf(sent);
      const kuota = kind === "replace" ? ((body.kuota as number | undefined) ?? SLOT_DEFAULTS.kuota) : (body.kuota as number | undefined);
      if (kuota !== undefined && kuota < held(before, id)) return refusal(409, ["kuota_below_terisi"]);
      return { kind: "success" };
    },
    onSuccess: (sent, { body, response }, before, after) => {
      const context = describeSent(sent);
      const input = bodyOf(sent);
      expectUnchanged(before, after, ["patients", "reservations", "idempotency_keys"], context);
      if (kind === "create") {
        expect(response.headers.get("Location")).toBe(`/consultation-slots/${body.id}`);
        const d = diff(before.consultation_slots, after.consultation_slots);
        expect(d.removed.length + d.changed.length, context).toBe(0);
        expect(d.added.length, context).toBe(1);
        const row = d.added[0]!;
        expect(row).toMatchObject({ id: body.id, nomor_terakhir: 0, sedang_dilayani: null });
        expectSlotView(body, row, after);
        expect(body).toMatchObject({ ...SLOT_DEFAULTS, ...input, terisi: 0, sisa_kuota: body.kuota });
        return;
      }
      const id = (sent.path as { id: number }).id;
      const row = byId(after.consultation_slots, id)!;
      const old = byId(before.consultation_slots, id)!;
      expectOnlyRowChanged(before.consultation_slots, after.consultation_slots, id, context);
      expectSlotView(body, row, after);
      expect(row.nomor_terakhir, "nomor_terakhir is the server's").toBe(old.nomor_terakhir);
      expect(row.sedang_dilayani, "sedang_dilayani is the server's").toBe(old.sedang_dilayani);
      expect(row.created_at).toBe(old.created_at);
      const oldView = { tanggal: old.tanggal, waktu: old.waktu, kuota: old.kuota, ketersediaan: old.ketersediaan === 1, durasi_menit: old.durasi_menit };
      const expected = kind === "replace" ? { ...oldView, ...SLOT_DEFAULTS, ...input } : { ...oldView, ...input };
      expect(body).toMatchObject(expected);
      if (kind === "update" && Object.keys(input).length === 0) {
        expectUnchanged(before, after, ["consultation_slots"], `empty PATCH: ${context}`);
      }
    },
  };
}

// --- deletes ---------------------------------------------------------------

function expectDeleted(
  before: Snapshot,
  after: Snapshot,
  table: "patients" | "consultation_slots" | "reservations",
  id: number,
  context: string,
) {
  const d = diff(before[table] as { id: number }[], after[table] as { id: number }[]);
  expect(d.added.length + d.changed.length, context).toBe(0);
  expect(d.removed.map((r) => r.id), context).toEqual([id]);
}

// ---------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------

const FIRST_NAMES = [
  "Siti", "Budi", "Dewi", "Agus", "Sri", "Joko", "Putri", "Muhammad", "Rizky", "Nur", "Wayan", "Kadek",
  "Ni Luh", "I Gusti", "Teuku", "Cut", "Andi", "Yohanes", "Maria", "Fransiska", "Ahmad", "Bambang", "Ratna", "Hj. Fatimah",
];
const LAST_NAMES = [
  "Rahayu", "Santoso", "Lestari", "Setiawan", "Wahyuni", "Widodo", "Ayu Ningsih", "Pratama", "Hidayat", "Nasution",
  "Sihombing", "Simanjuntak", "Siregar", "Manurung", "Daeng", "binti Abdullah", "Saputra", "Kusumawati", "O'Neil", "Tan",
];
/** Characters that make parsers and databases stumble. */
const NASTY = [
  "\u0000", "\u200b", "\u200f", "\u202e", "\ufeff", "😀", "👩‍⚕️", "🇮🇩", "مريم", "עברית", "中文", "é", "e\u0301",
  "\t", "\n", "\r\n", "\\", '"', "'", "%", "_", "<script>", "' OR 1=1 --", "\ud800", "\udfff", "\u2028", "ﷺ",
];
const ws = fc.constantFrom("", "", "", " ", "  ", "\t", "\n ", "\u00a0", "\u3000");

const indonesianName = fc
  .tuple(fc.constantFrom(...FIRST_NAMES), fc.constantFrom(...LAST_NAMES), fc.boolean())
  .map(([a, b, both]) => (both ? `${a} ${b}` : a));

/** A string with one of NASTY mixed in somewhere. */
const nastyString = fc
  .tuple(fc.string({ unit: "grapheme", maxLength: 20 }), fc.constantFrom(...NASTY), fc.string({ maxLength: 10 }))
  .map(([a, b, c]) => `${a}${b}${c}`);

/** Strings of 50–70 K units: over 100 chars always, over the 64 KiB body limit sometimes (by bytes). */
const hugeString = fc
  .tuple(fc.constantFrom("a", " ", "é", "😀", "\u0000", "ي", "\u200b", "9"), fc.integer({ min: 15_000, max: 70_000 }))
  .map(([c, n]) => c.repeat(Math.max(1, Math.floor(n / c.length))));

const wrongType = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, Number.MIN_VALUE),
  fc.constant([]),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue(), { maxKeys: 3 }),
);

/** Mostly `good`, sometimes something a field must refuse or survive. */
function field<T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 50, arbitrary: good },
    { weight: 3, arbitrary: bad },
    { weight: 1, arbitrary: wrongType },
    { weight: 1, arbitrary: nastyString },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  );
}

const namaArb = field(
  fc.oneof(
    { weight: 6, arbitrary: indonesianName },
    { weight: 2, arbitrary: fc.tuple(ws, indonesianName, ws).map(([a, b, c]) => `${a}${b}${c}`) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }) },
    { weight: 1, arbitrary: fc.tuple(indonesianName, fc.constantFrom(...NASTY)).map(([a, b]) => `${a} ${b}`) },
  ),
  fc.oneof(
    fc.constantFrom("", " ", "\t\n", "\u3000"),
    fc.integer({ min: 99, max: 102 }).map((n) => "a".repeat(n)),
    fc.integer({ min: 49, max: 52 }).map((n) => "😀".repeat(n)),
    fc.constant("\u0000"),
    fc.constant("\u0000Siti"),
    hugeString,
  ),
);

const localPart = fc
  .tuple(fc.constantFrom(...FIRST_NAMES, ...LAST_NAMES), fc.constantFrom(".", "_", "-", "+", ""), fc.nat({ max: 1_000_000_000 }))
  .map(([n, sep, k]) => `${n.toLowerCase().replace(/[^a-z]/g, "") || "x"}${sep}${k}`);
const domain = fc.constantFrom("example.co.id", "klinik.id", "gmail.com", "yahoo.co.id", "mail.example.org", "Puskesmas.GO.ID");
const emailArb = field(
  fc.oneof(
    { weight: 8, arbitrary: fc.tuple(localPart, domain).map(([l, d]) => `${l}@${d}`) },
    { weight: 2, arbitrary: fc.tuple(ws, localPart, domain, ws).map(([a, l, d, b]) => `${a}${l.toUpperCase()}@${d}${b}`) },
    // An existing patient's email, as written or in upper case: 409 email_taken (unless it is the patient's own).
    { weight: 2, arbitrary: fc.record({ "§ref": fc.constant("email" as const), pick: fc.nat(), upper: fc.boolean() }) },
    { weight: 1, arbitrary: fc.emailAddress() },
  ),
  fc.oneof(
    fc.constantFrom("", "siti", "siti@", "@example.co.id", "siti @example.co.id", "siti@@example.co.id", "siti@example.co.id@x.id", "  "),
    fc.integer({ min: 250, max: 260 }).map((n) => `${"a".repeat(n - 15)}@example.co.id`),
    fc.constantFrom("siti..rahayu@example.co.id", "siti@example", "siti@-example.com", "sïti@example.co.id", "siti@exa_mple.com"),
    hugeString,
  ),
);

const phoneArb = field(
  fc
    .tuple(
      fc.constantFrom("0", "+62", "+62 ", "+62-"),
      fc.integer({ min: 11, max: 99 }),
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 7, maxLength: 9 }),
      fc.constantFrom("", " ", "-"),
      fc.tuple(ws, ws),
    )
    .map(([prefix, op, rest, sep, [a, b]]) => {
      const digits = rest.join("");
      const body = `8${op}${sep}${digits.slice(0, 4)}${sep}${digits.slice(4)}`;
      return `${a}${prefix}${body}${b}`;
    }),
  fc.oneof(
    fc.constantFrom("", "abc", "123", "0812", "+62", "08-", "0812345", "0812-3456-78a0", "++6281234567890", "0812#3456#7890"),
    fc.constantFrom("+1 202 555 0123", "(021) 555-1234", "6281234567890", "08123456789012345", "021.555.1234"),
    fc.integer({ min: 21, max: 40 }).map((n) => "8".repeat(n)),
    fc.stringMatching(/^[0-9 +-]{1,35}$/),
    hugeString,
  ),
);

function calendarDate(min: string, max: string) {
  return fc
    .date({ min: new Date(`${min}T00:00:00Z`), max: new Date(`${max}T00:00:00Z`), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10));
}

/** Any real date YYYY-MM-DD, years 0001–9999, with their edges: short years, leap days, the first and last day. */
const anyCalendarDate = fc.oneof(
  calendarDate("0001-01-01", "0999-12-31"),
  calendarDate("1000-01-01", "1969-12-31"),
  calendarDate("1970-01-01", "2199-12-31"),
  calendarDate("2200-01-01", "9999-12-31"),
  fc.constantFrom("0001-01-01", "0999-12-31", "1000-01-01", "1582-10-10", "1900-02-28", "2000-02-29", "2096-02-29", "9999-12-31", "0000-01-01"),
);

const tanggalArb = field(
  fc.oneof(
    { weight: 6, arbitrary: calendarDate("2080-01-01", "2099-12-31") },
    { weight: 3, arbitrary: calendarDate("1990-01-01", "2079-12-31") },
    { weight: 1, arbitrary: anyCalendarDate },
  ),
  fc.constantFrom(
    "2026-02-30", "2025-02-29", "2100-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-1-1", "26-01-01",
    "2026/01/01", "01-01-2026", "", "2026-01-01T00:00:00Z", "２０２６-01-01", " 2090-01-01", "2090-01-01 ", "+2090-01-01",
  ),
);

const waktuArb = field(
  fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(
    ([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`,
  ),
  fc.constantFrom("24:00", "9:00", "09:60", "0900", "09:00:00", "09.00", "", " 09:00", "٠٩:٠٠", "9am", "-1:00", "23:59:60"),
);

const badNumber = fc.oneof(
  fc.constantFrom(0, -1, 1001, 241, 1.5, 20.000001, 1e308, -1e308, 2 ** 53 + 1, -0, Number.MAX_SAFE_INTEGER),
  fc.constantFrom("20", "NaN", "Infinity", "1e3", "", " 5"),
);
const kuotaArb = field(fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 1000 })), badNumber);
const durasiArb = field(fc.integer({ min: 1, max: 240 }), badNumber);
const ketersediaanArb = field(
  fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  fc.constantFrom("true", "false", 1, 0, "yes"),
);

const READ_ONLY = ["id", "nomor_antrian", "terisi", "sisa_kuota", "dapat_dipesan", "nomor_terakhir", "sedang_dilayani", "posisi", "estimasi_dilayani", "called_at", "created_at", "updated_at"];
const UNKNOWN_KEYS = ["__proto__", "constructor", "toString", "Nama", "nama ", "NAMA", "email2", "role", "patientId", "slot_id", "status", "kuota", "nama", "patient_id"];

/** Sometimes adds a read-only, unknown or odd field (a key the route knows may come back valid). */
function withExtras(base: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(
    { weight: 12, arbitrary: base },
    {
      weight: 2,
      arbitrary: fc
        .tuple(base, fc.constantFrom(...READ_ONLY, ...UNKNOWN_KEYS), fc.jsonValue({ maxDepth: 1 }))
        .map(([b, k, v]) => {
          const out = { ...b };
          Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
          return out;
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(base, fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 3 }))
        .map(([b, extra]) => ({ ...b, ...extra })),
    },
  );
}

/** Bodies that are not JSON, or not a JSON object. */
const notJsonText = fc.oneof(
  fc.constantFrom(
    "", " ", "{", "}", "[", "{nama: 'Siti'}", "{'nama':'Siti'}", "nama=Siti&email=siti%40example.co.id", "<pasien/>",
    "undefined", "NaN", "Infinity", "-", "tru", "nul", '{"nama":"Siti",}', '{"nama":"Siti"}garbage', "// {}", '"unterminated',
    "0x10", "01", "+1", ".5", "1.", '{"a":"\\x41"}', "\u0000", "{\u0000}", '{"nama":"Siti"', "\ufeff{}", "{}\u0000",
  ),
  fc.string({ unit: "binary", maxLength: 40 }),
);
const notObjectJson = fc.oneof(
  fc.constantFrom("[]", "[{}]", '"Siti"', "42", "null", "true", "1e308", "-0", "1e400", '[{"nama":"Siti"}]', "{}"),
  fc.jsonValue().map((v) => JSON.stringify(v) ?? "null"),
  fc.anything({ maxDepth: 2 }).map((v) => {
    try {
      return JSON.stringify(v) ?? "null";
    } catch {
      return "null";
    }
  }),
);

/** The whole body: a generated object (mostly), or junk; with a Content-Type, usually JSON. */
function bodyArb(objectArb: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<BodySpec> {
  const payload: fc.Arbitrary<Payload> = fc.oneof(
    { weight: 14, arbitrary: withExtras(objectArb).map((json) => ({ json })) },
    { weight: 1, arbitrary: notJsonText.map((text) => ({ text })) },
    { weight: 1, arbitrary: notObjectJson.map((text) => ({ text })) },
    {
      weight: 1,
      // A valid-looking body, truncated: never JSON.
      arbitrary: fc.tuple(objectArb, fc.double({ min: 0, max: 0.999, noNaN: true })).map(([o, at]) => {
        const s = JSON.stringify(o);
        return { text: s.slice(0, Math.floor(s.length * at)) };
      }),
    },
    { weight: 1, arbitrary: hugeString.map((s) => ({ json: { nama: s, email: s, nomor_telepon: s, tanggal: s } })) },
  );
  const contentType = fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom(...JSON_TYPES) },
    { weight: 1, arbitrary: fc.constantFrom(...NOT_JSON_TYPES) },
    { weight: 1, arbitrary: fc.constantFrom(...ODD_TYPES) },
    { weight: 1, arbitrary: fc.constant(null) },
  );
  return fc.record({
    payload,
    contentType,
    stream: fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  });
}

/** A body on a route that takes none: usually absent. */
const strayBody: fc.Arbitrary<BodySpec | undefined> = fc.oneof(
  { weight: 10, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.record({
      payload: fc.oneof(
        fc.jsonValue().map((json) => ({ json }) as Payload),
        notJsonText.map((text) => ({ text }) as Payload),
        hugeString.map((text) => ({ text }) as Payload),
      ),
      contentType: fc.constantFrom(...JSON_TYPES, ...NOT_JSON_TYPES, null),
      stream: fc.boolean(),
    }),
  },
);

const tokenArb: fc.Arbitrary<TokenSpec> = fc.oneof(
  { weight: 40, arbitrary: fc.constant("staff" as const) },
  { weight: 3, arbitrary: fc.constant("second" as const) },
  { weight: 1, arbitrary: fc.constantFrom("none" as const, "wrong" as const, "basic" as const) },
);

const INVALID_SEGMENTS = [
  "0", "-1", "-0", "abc", "1.5", "1e400", "9007199254740992", "99999999999999999999", "NaN", "Infinity", "-Infinity",
  "null", "true", "[]", "{}", " ", "１", "١", "0.0", "1,2", "1_000", "½", "Ⅻ", "😀", "\u0000", "1 2", "--1",
];
/** Read as a positive integer by Number(), but not written as one. */
const NUMBER_LIKE_SEGMENTS = ["0x10", "1e3", "1e0", " 1", "01", "+1", "1.0", "0b11", "0o7", "1.", "\t2\n"];

const refOf = (kind: RefKind): fc.Arbitrary<Ref> => fc.record({ "§ref": fc.constant(kind), pick: fc.nat() });

/** Existing records of `kind`, more than half of them of the `preferred` sort when given. */
function preferring(kind: RefKind, preferred?: RefKind) {
  if (!preferred) return [{ weight: 14, arbitrary: refOf(kind) }];
  return [
    { weight: 6, arbitrary: refOf(kind) },
    { weight: 8, arbitrary: refOf(preferred) },
  ];
}

function pathIdArb(kind: RefKind, preferred?: RefKind): fc.Arbitrary<PathId> {
  return fc.oneof(
    ...preferring(kind, preferred),
    { weight: 2, arbitrary: refOf("missing") },
    { weight: 2, arbitrary: fc.constantFrom(...INVALID_SEGMENTS).map((raw) => ({ raw, encode: true })) },
    { weight: 1, arbitrary: fc.constantFrom(...NUMBER_LIKE_SEGMENTS).map((raw) => ({ raw, encode: true })) },
    {
      weight: 1,
      arbitrary: fc
        .string({ unit: "grapheme", minLength: 1, maxLength: 12 })
        .filter((s) => s !== "." && s !== "..")
        .map((raw) => ({ raw, encode: true })),
    },
    { weight: 1, arbitrary: fc.constantFrom("%", "%zz", "%E0%A4%A", "%00", "%2F", "1%2F2").map((raw) => ({ raw, encode: false })) },
  );
}

/** A reference in a body: an existing record mostly, else a missing id or a value that is not an id. */
function bodyRefArb(kind: RefKind, preferred?: RefKind): fc.Arbitrary<unknown> {
  return fc.oneof(
    ...preferring(kind, preferred),
    { weight: 2, arbitrary: refOf("missing") },
    {
      weight: 2,
      arbitrary: fc.constantFrom(0, -1, 1.5, 2 ** 53, 2 ** 53 + 1, 1e308, -0, "1", "abc", null, true, [1], { id: 1 }, ""),
    },
    { weight: 1, arbitrary: wrongType },
  );
}

const idempotencyKeyArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("k-1", "k-2", "k-3", "booking-siti-1", "Ünïcødé-ish-é") },
  { weight: 4, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "  \t ") },
  { weight: 1, arbitrary: fc.integer({ min: 250, max: 260 }).map((n) => "k".repeat(n)) },
);

// ---------------------------------------------------------------------------
// The routes under test
// ---------------------------------------------------------------------------

const patientObject = (required: boolean) =>
  fc.record({ nama: namaArb, email: emailArb, nomor_telepon: phoneArb }, required ? {} : { requiredKeys: [] });
const slotObject = (required: boolean) =>
  fc.record(
    { tanggal: tanggalArb, waktu: waktuArb, kuota: kuotaArb, ketersediaan: ketersediaanArb, durasi_menit: durasiArb },
    { requiredKeys: required ? ["tanggal", "waktu"] : [] },
  );

function withBody(id: fc.Arbitrary<PathId> | null, body: fc.Arbitrary<BodySpec | undefined>): fc.Arbitrary<Gen> {
  // Now and then no body at all, on every route.
  const maybeBody = fc.oneof({ weight: 30, arbitrary: body }, { weight: 1, arbitrary: fc.constant(undefined) });
  return fc.record({ id: id ?? fc.constant(undefined), body: maybeBody, token: tokenArb }).map((g) => {
    const gen: Gen = { token: g.token };
    if (g.id !== undefined) gen.id = g.id;
    if (g.body !== undefined) gen.body = g.body;
    return gen;
  });
}

function idOf(sent: Sent): number {
  return (sent.path as { kind: "id"; id: number }).id;
}

const patientsPost: Route = {
  name: "POST /patients",
  method: "POST",
  path: "/patients",
  hasId: false,
  hasBody: true,
  successStatus: 201,
  arbitrary: withBody(null, bodyArb(patientObject(true))),
  ...patientWrite("create"),
};
const patientsPut: Route = {
  name: "PUT /patients/{id}",
  method: "PUT",
  path: "/patients/{id}",
  hasId: true,
  hasBody: true,
  successStatus: 200,
  arbitrary: withBody(pathIdArb("patient"), bodyArb(patientObject(true))),
  ...patientWrite("replace"),
};
const patientsPatch: Route = {
  name: "PATCH /patients/{id}",
  method: "PATCH",
  path: "/patients/{id}",
  hasId: true,
  hasBody: true,
  successStatus: 200,
  arbitrary: withBody(pathIdArb("patient"), bodyArb(patientObject(false))),
  ...patientWrite("update"),
};
const patientsDelete: Route = {
  name: "DELETE /patients/{id}",
  method: "DELETE",
  path: "/patients/{id}",
  hasId: true,
  hasBody: false,
  successStatus: 204,
  arbitrary: withBody(pathIdArb("patient"), strayBody),
  expect: (sent, before) => {
    const id = idOf(sent);
    if (!byId(before.patients, id)) return refusal(404, ["not_found"]);
    const pending = before.reservations.some((r) => r.patient_id === id && PENDING.has(r.status));
    return pending ? refusal(409, ["has_pending_reservations"]) : { kind: "success" };
  },
  onSuccess: (sent, _outcome, before, after) => {
    const id = idOf(sent);
    const context = describeSent(sent);
    expectDeleted(before, after, "patients", id, context);
    // Erasure takes the patient's (non-pending) reservations with it; slots keep their counters.
    const d = diff(before.reservations, after.reservations);
    expect(d.added.length + d.changed.length, context).toBe(0);
    expect(d.removed.map((r) => r.id), context).toEqual(before.reservations.filter((r) => r.patient_id === id).map((r) => r.id));
    expectUnchanged(before, after, ["consultation_slots", "idempotency_keys"], context);
  },
};

const slotsPost: Route = {
  name: "POST /consultation-slots",
  method: "POST",
  path: "/consultation-slots",
  hasId: false,
  hasBody: true,
  successStatus: 201,
  arbitrary: withBody(null, bodyArb(slotObject(true))),
  ...slotWrite("create"),
};
const slotsPut: Route = {
  name: "PUT /consultation-slots/{id}",
  method: "PUT",
  path: "/consultation-slots/{id}",
  hasId: true,
  hasBody: true,
  successStatus: 200,
  arbitrary: withBody(pathIdArb("slot"), bodyArb(slotObject(true))),
  ...slotWrite("replace"),
};
const slotsPatch: Route = {
  name: "PATCH /consultation-slots/{id}",
  method: "PATCH",
  path: "/consultation-slots/{id}",
  hasId: true,
  hasBody: true,
  successStatus: 200,
  arbitrary: withBody(pathIdArb("slot"), bodyArb(slotObject(false))),
  ...slotWrite("update"),
};
const slotsDelete: Route = {
  name: "DELETE /consultation-slots/{id}",
  method: "DELETE",
  path: "/consultation-slots/{id}",
  hasId: true,
  hasBody: false,
  successStatus: 204,
  arbitrary: withBody(pathIdArb("slot"), strayBody),
  expect: (sent, before) => {
    const id = idOf(sent);
    if (!byId(before.consultation_slots, id)) return refusal(404, ["not_found"]);
    const pending = before.reservations.some((r) => r.consultation_slot_id === id && PENDING.has(r.status));
    return pending ? refusal(409, ["has_pending_reservations"]) : { kind: "success" };
  },
  onSuccess: (sent, _outcome, before, after) => {
    const id = idOf(sent);
    const context = describeSent(sent);
    expectDeleted(before, after, "consultation_slots", id, context);
    const d = diff(before.reservations, after.reservations);
    expect(d.added.length + d.changed.length, context).toBe(0);
    expect(d.removed.map((r) => r.id), context).toEqual(
      before.reservations.filter((r) => r.consultation_slot_id === id).map((r) => r.id),
    );
    expectUnchanged(before, after, ["patients", "idempotency_keys"], context);
  },
};

/** The booking body: patient_id and consultation_slot_id (SPEC §4). */
const bookingObject = fc.record(
  { patient_id: bodyRefArb("patient"), consultation_slot_id: bodyRefArb("slot") },
  { requiredKeys: [] },
);
const bookingBody = bodyArb(
  fc.oneof(
    { weight: 10, arbitrary: fc.record({ patient_id: bodyRefArb("patient"), consultation_slot_id: bodyRefArb("slot", "open_slot") }) },
    { weight: 1, arbitrary: bookingObject },
  ),
);

/** SHA-256 of a token, as the server scopes Idempotency-Keys. */
const tokenHashes = new Map<string, string>();
async function tokenHash(token: string): Promise<string> {
  let h = tokenHashes.get(token);
  if (!h) {
    const digest = await crypto.subtle.digest("SHA-256", encoder.encode(token));
    h = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    tokenHashes.set(token, h);
  }
  return h;
}

/**
 * The body each completed Idempotency-Key was first used with, per token:
 * "equal as JSON" (SPEC §5) for a booking body is equal patient_id and
 * consultation_slot_id.
 */
const keyBodies = new Map<string, string>();
const keyScope = (sent: Sent) => `${sent.token}\u0000${sent.key!.trim()}`;
const bookingCanon = (body: Record<string, unknown>) => `${body.patient_id}/${body.consultation_slot_id}`;

function bookingRoute(name: string, idempotent: boolean): Route {
  return {
    name,
    method: "POST",
    path: "/reservations",
    hasId: false,
    hasBody: true,
    idempotent,
    successStatus: 201,
    arbitrary: idempotent
      ? fc.record({ gen: withBody(null, bookingBody), key: idempotencyKeyArb }).map(({ gen, key }) => ({ ...gen, key }))
      : withBody(null, bookingBody),
    verdict: (body) => objectVerdict(body, { patient_id: refVerdict, consultation_slot_id: refVerdict }, ["patient_id", "consultation_slot_id"]),
    expect: (sent, before) => {
      const body = bodyOf(sent);
      if (sent.key !== undefined) {
        const first = keyBodies.get(keyScope(sent));
        if (first !== undefined) {
          if (first !== bookingCanon(body)) return refusal(422, ["idempotency_key_reused"]);
          const row = before.idempotency_keys.find(
            (k) => k.idempotency_key === sent.key!.trim() && k.token_hash === tokenHashes.get(TOKENS[sent.token]!),
          );
          if (row && row.response_status !== null) return { kind: "replay", stored: row };
          return ANY;
        }
      }
      const codes = admissionRefusals(before, body.consultation_slot_id as number, body.patient_id as number);
      if (codes === "edge") return ANY;
      return codes.length === 0 ? { kind: "success" } : refusalOf(codes);
    },
    onSuccess: (sent, { body, response }, before, after) => {
      const context = describeSent(sent);
      const input = bodyOf(sent);
      const slotId = input.consultation_slot_id as number;
      expect(response.headers.get("Location")).toBe(`/reservations/${body.id}`);
      expect(body).toMatchObject({ patient_id: input.patient_id, consultation_slot_id: slotId, status: "booked" });
      const d = diff(before.reservations, after.reservations);
      expect(d.removed.length + d.changed.length, context).toBe(0);
      expect(d.added.length, context).toBe(1);
      const row = d.added[0]!;
      expectReservationView(body, row, after);
      // Rule 2: the next number after the slot's last-issued one; the counter follows.
      const oldSlot = byId(before.consultation_slots, slotId)!;
      expect(row.nomor_antrian, `number after nomor_terakhir ${oldSlot.nomor_terakhir}: ${context}`).toBe(oldSlot.nomor_terakhir + 1);
      const changedSlot = expectOnlyRowChanged(before.consultation_slots, after.consultation_slots, slotId, context);
      expect(changedSlot?.after.nomor_terakhir).toBe(row.nomor_antrian);
      expectUnchanged(before, after, ["patients"], context);
      if (sent.key === undefined) expectUnchanged(before, after, ["idempotency_keys"], context);
    },
  };
}

const reservationsPost = bookingRoute("POST /reservations", false);
const reservationsPostKeyed = bookingRoute("POST /reservations with Idempotency-Key", true);

const statusArb = field(
  fc.constantFrom(...STATUSES),
  fc.constantFrom("BOOKED", "Cancelled", "done", "", "cancelled ", "checked-in", "checkedIn", "batal"),
);
const reservationPatchBody = (kind: "status" | "move") =>
  bodyArb(
    fc.oneof(
      {
        weight: 12,
        arbitrary:
          kind === "status"
            ? fc.record({ status: statusArb })
            : fc.record({ consultation_slot_id: bodyRefArb("slot", "open_slot") }),
      },
      { weight: 1, arbitrary: fc.record({ status: statusArb, consultation_slot_id: bodyRefArb("slot") }) },
      { weight: 1, arbitrary: fc.constant({}) },
    ),
  );

function reservationPatch(kind: "status" | "move"): Route {
  return {
    name: `PATCH /reservations/{id} (${kind === "status" ? "status" : "consultation_slot_id"})`,
    method: "PATCH",
    path: "/reservations/{id}",
    hasId: true,
    hasBody: true,
    successStatus: 200,
    arbitrary: withBody(pathIdArb("reservation", kind === "move" ? "pending_reservation" : undefined), reservationPatchBody(kind)),
    verdict: (body) => {
      if (!isObject(body)) return "invalid";
      const keys = Object.keys(body);
      if (keys.some((k) => k !== "status" && k !== "consultation_slot_id")) return "invalid";
      // SPEC: "status, or consultation_slot_id"; {} and both at once are left open.
      if (keys.length !== 1) return combine([...keys.map((k) => (k === "status" ? statusVerdict : refVerdict)(body[k])), "unknown"]);
      return keys[0] === "status" ? statusVerdict(body.status) : refVerdict(body.consultation_slot_id);
    },
    expect: (sent, before) => {
      const id = idOf(sent);
      const current = byId(before.reservations, id);
      if (!current) return refusal(404, ["not_found"]);
      const body = bodyOf(sent);
      if ("status" in body) {
        const to = body.status as string;
        if (to === current.status || TRANSITIONS[current.status]!.includes(to)) return { kind: "success" };
        return refusal(409, ["invalid_transition"]);
      }
      const target = body.consultation_slot_id as number;
      if (target === current.consultation_slot_id) return ANY; // SPEC is silent on a move to the same slot
      // A called reservation is being served: moving it would let the new slot call it again (README).
      if (!PENDING.has(current.status) || current.called_at !== null) {
        return byId(before.consultation_slots, target) ? refusal(409, ["invalid_transition"]) : refusal([409, 422], ["invalid_transition", "slot_not_found"]);
      }
      const codes = admissionRefusals(before, target, current.patient_id);
      if (codes === "edge") return ANY;
      return codes.length === 0 ? { kind: "success" } : refusalOf(codes);
    },
    onSuccess: (sent, { body }, before, after) => {
      const context = describeSent(sent);
      const id = idOf(sent);
      const old = byId(before.reservations, id)!;
      const row = byId(after.reservations, id)!;
      const input = bodyOf(sent);
      expectReservationView(body, row, after);
      expectUnchanged(before, after, ["patients", "idempotency_keys"], context);
      expectOnlyRowChanged(before.reservations, after.reservations, id, context);
      if ("status" in input) {
        expect(row.status).toBe(input.status);
        if (old.status === input.status) expectUnchanged(before, after, ["reservations", "consultation_slots"], `no-op: ${context}`);
        expectUnchanged(before, after, ["consultation_slots"], context);
        return;
      }
      const target = input.consultation_slot_id as number;
      expect(row.consultation_slot_id).toBe(target);
      if (target === old.consultation_slot_id) return;
      const targetBefore = byId(before.consultation_slots, target)!;
      // Rule 7: a new number in the new slot, the status kept.
      expect(row.nomor_antrian, context).toBe(targetBefore.nomor_terakhir + 1);
      expect(row.status).toBe(old.status);
      const changedSlot = expectOnlyRowChanged(before.consultation_slots, after.consultation_slots, target, context);
      expect(changedSlot?.after.nomor_terakhir).toBe(row.nomor_antrian);
    },
  };
}

const reservationsDelete: Route = {
  name: "DELETE /reservations/{id}",
  method: "DELETE",
  path: "/reservations/{id}",
  hasId: true,
  hasBody: false,
  successStatus: 204,
  arbitrary: withBody(pathIdArb("reservation"), strayBody),
  expect: (sent, before) => (byId(before.reservations, idOf(sent)) ? { kind: "success" } : refusal(404, ["not_found"])),
  onSuccess: (sent, _outcome, before, after) => {
    const context = describeSent(sent);
    expectDeleted(before, after, "reservations", idOf(sent), context);
    // Rule 2: the slot's counter stays, so the number is never handed out again.
    expectUnchanged(before, after, ["patients", "consultation_slots", "idempotency_keys"], context);
  },
};

const queueNext: Route = {
  name: "POST /consultation-slots/{id}/queue/next",
  method: "POST",
  path: "/consultation-slots/{id}/queue/next",
  hasId: true,
  hasBody: false,
  successStatus: 200,
  arbitrary: withBody(pathIdArb("slot", "callable_slot"), strayBody),
  expect: (sent, before) => {
    const slot = byId(before.consultation_slots, idOf(sent));
    if (!slot) return refusal(404, ["not_found"]);
    return nextToCall(before, slot) ? { kind: "success" } : refusal(409, ["queue_empty"]);
  },
  onSuccess: (sent, { body }, before, after) => {
    const context = describeSent(sent);
    const slotId = idOf(sent);
    const slot = byId(before.consultation_slots, slotId)!;
    const expected = nextToCall(before, slot)!;
    expect(body.id, `called the lowest pending number after ${slot.sedang_dilayani}: ${context}`).toBe(expected.id);
    const row = byId(after.reservations, expected.id)!;
    expect(row.called_at).toMatch(ISO_UTC);
    expect(row.status, "the called reservation keeps its status").toBe(expected.status);
    expectReservationView(body, row, after);
    const changedSlot = expectOnlyRowChanged(before.consultation_slots, after.consultation_slots, slotId, context);
    expect(changedSlot?.after.sedang_dilayani).toBe(expected.nomor_antrian);
    const d = diff(before.reservations, after.reservations);
    expect(d.added.length + d.removed.length, context).toBe(0);
    for (const { before: b, after: a } of d.changed) {
      if (a.id === expected.id) continue;
      // Only the one served until now may change: to served, if it was still pending.
      expect(b.consultation_slot_id === slotId && b.nomor_antrian === slot.sedang_dilayani && PENDING.has(b.status), context).toBe(true);
      expect(a.status).toBe("served");
    }
    const previous = before.reservations.find(
      (r) => r.consultation_slot_id === slotId && r.nomor_antrian === slot.sedang_dilayani && PENDING.has(r.status),
    );
    if (previous) expect(byId(after.reservations, previous.id)?.status, "the one served until now is served").toBe("served");
    expectUnchanged(before, after, ["patients", "idempotency_keys"], context);
  },
};

function nextToCall(snap: Snapshot, slot: SlotRow): ReservationRow | undefined {
  return snap.reservations
    .filter(
      (r) =>
        r.consultation_slot_id === slot.id &&
        PENDING.has(r.status) &&
        r.called_at === null &&
        r.nomor_antrian > (slot.sedang_dilayani ?? 0),
    )
    .sort((a, b) => a.nomor_antrian - b.nomor_antrian)[0];
}

const reservationsPatchStatus = reservationPatch("status");
const reservationsPatchMove = reservationPatch("move");

const ROUTES: Route[] = [
  patientsPost,
  patientsPut,
  patientsPatch,
  patientsDelete,
  slotsPost,
  slotsPut,
  slotsPatch,
  slotsDelete,
  reservationsPost,
  reservationsPostKeyed,
  reservationsPatchStatus,
  reservationsPatchMove,
  reservationsDelete,
  queueNext,
];

// ---------------------------------------------------------------------------
// Fixtures: enough patients, open slots and pending reservations to hit
// ---------------------------------------------------------------------------

let fixtureCount = 0;
function fixtureDate(): string {
  fixtureCount += 1;
  return new Date(Date.UTC(2091, 0, 1) + fixtureCount * 86_400_000).toISOString().slice(0, 10);
}

async function created(response: Response): Promise<any> {
  const text = await response.text();
  expect(response.status, `fixture: ${text}`).toBe(201);
  return JSON.parse(text);
}

async function newPatient(): Promise<number> {
  fixtureCount += 1;
  const body = { nama: "Pasien Uji", email: `fixture.${fixtureCount}.${Date.now()}@example.co.id`, nomor_telepon: "081234567890" };
  return (await created(await call("POST", "/patients", { body }))).id;
}

async function newSlot(kuota: number): Promise<number> {
  return (await created(await call("POST", "/consultation-slots", { body: { tanggal: fixtureDate(), waktu: "09:00", kuota } }))).id;
}

/** Tops D1 up so that every route has existing records of every kind to hit. */
async function topUp(snap: Snapshot): Promise<boolean> {
  const now = clinicNow();
  const openSlots = snap.consultation_slots.filter(
    (s) => s.ketersediaan === 1 && `${s.tanggal}T${s.waktu}` > now && held(snap, s.id) < s.kuota,
  );
  const pending = snap.reservations.filter((r) => PENDING.has(r.status));
  const callable = snap.consultation_slots.some((s) => nextToCall(snap, s));
  if (snap.patients.length >= 6 && openSlots.length >= 3 && pending.length >= 4 && callable) return false;
  // Patients and slots straight into D1 (their routes touch no slot object), bookings through the API.
  const stamp = `${Date.now()}.${fixtureCount++}`;
  const inserted = await env.DB.batch([
    ...Array.from({ length: 6 }, (_, i) =>
      env.DB.prepare("INSERT INTO patients (nama, email, nomor_telepon) VALUES ('Pasien Uji', ?1, '081234567890') RETURNING id").bind(
        `fixture.${stamp}.${i}@example.co.id`,
      ),
    ),
    ...[4, 4, 8].map((kuota) =>
      env.DB.prepare("INSERT INTO consultation_slots (tanggal, waktu, kuota) VALUES (?1, '09:00', ?2) RETURNING id").bind(fixtureDate(), kuota),
    ),
  ]);
  const ids = inserted.map((r) => (r.results[0] as { id: number }).id);
  const busy = ids[8]!;
  for (const p of ids.slice(0, 6)) {
    await created(await call("POST", "/reservations", { body: { patient_id: p, consultation_slot_id: busy } }));
  }
  return true;
}

// ---------------------------------------------------------------------------
// One request, all the properties
// ---------------------------------------------------------------------------

const stats = new Map<string, Map<string, number>>();

function isProblemBody(body: any, status: number) {
  expect(typeof body?.type).toBe("string");
  expect(typeof body?.title).toBe("string");
  expect(typeof body?.detail).toBe("string");
  expect(body.detail.length, "detail is a sentence").toBeGreaterThan(10);
  expect(typeof body?.code).toBe("string");
  expect(body.status).toBe(status);
  if (body.errors !== undefined || body.code === "validation_failed") {
    // SPEC §6: `errors` lists {path, message} for each invalid field.
    expect(Array.isArray(body.errors) && body.errors.length > 0, "validation_failed lists the invalid fields").toBe(true);
    for (const e of body.errors) {
      expect(typeof e.path).toBe("string");
      expect(typeof e.message).toBe("string");
    }
  }
}

/**
 * D1 as the last request left it. Only this file's requests write to its
 * (isolated) D1 and the worker does no background writes, so the snapshot
 * taken after one request is the one before the next; every 20th request
 * checks that against a fresh snapshot.
 */
let lastSnapshot: Snapshot | null = null;
let requestCount = 0;

async function snapshotBefore(): Promise<Snapshot> {
  requestCount += 1;
  if (lastSnapshot && requestCount % 20 !== 0) return lastSnapshot;
  const fresh = await snapshot();
  if (lastSnapshot) {
    expectUnchanged(lastSnapshot, fresh, ["patients", "consultation_slots", "reservations", "idempotency_keys"], "D1 changed between two requests");
  }
  return fresh;
}

async function exercise(route: Route, gen: Gen): Promise<void> {
  let before = await snapshotBefore();
  lastSnapshot = null;
  if (await topUp(before)) before = await snapshot();
  const sent = resolve(route, gen, before);
  if (sent.token === "staff" || sent.token === "second") await tokenHash(TOKENS[sent.token]!);

  const response = await send(sent);
  const text = await response.text();
  const status = response.status;
  const perRoute = stats.get(route.name) ?? new Map<string, number>();
  const label = `${status}${/"code":"(\w+)"/.exec(text)?.[1] ? ` ${/"code":"(\w+)"/.exec(text)![1]}` : ""}`;
  perRoute.set(label, (perRoute.get(label) ?? 0) + 1);
  stats.set(route.name, perRoute);
  const context = `${describeSent(sent)}\n  → ${status} ${response.headers.get("Content-Type")} ${text.slice(0, 500)}${involvedRows(sent, before)}`;

  // Property 1: never a 5xx (nor anything but 2xx/4xx).
  expect((status >= 200 && status < 300) || (status >= 400 && status < 500), `status ${status}: ${context}`).toBe(true);
  expect(response.headers.get("X-Request-Id"), `X-Request-Id: ${context}`).toBeTruthy();

  // The outcome SPEC predicts, where it does.
  let expectation = transportExpectation(route, sent);
  if (expectation === null) {
    const verdict = route.verdict ? route.verdict(sent.parsed) : "valid";
    if (verdict === "invalid") expectation = refusal(422, ["validation_failed"]);
    else if (verdict === "unknown") expectation = ANY;
    else expectation = route.expect(sent, before);
  }

  let body: any = null;
  if (status !== 204) {
    try {
      body = JSON.parse(text);
    } catch {
      expect.fail(`body is not JSON: ${context}`);
    }
  }

  const after = await snapshot();
  lastSnapshot = after;

  if (status >= 400) {
    // Property 2: a problem document whose status is the HTTP status.
    expect(response.headers.get("Content-Type"), `problem+json: ${context}`).toContain("application/problem+json");
    try {
      isProblemBody(body, status);
    } catch (error) {
      throw new Error(`not a problem document: ${context}\n${String(error)}`);
    }
    if (status === 401) expect(response.headers.get("WWW-Authenticate"), `401 challenge: ${context}`).toMatch(/^Bearer/);
    // Property 3: nothing changed in D1, but the record SPEC §5 keeps for a 409 under an Idempotency-Key.
    expectUnchanged(before, after, ["patients", "consultation_slots", "reservations"], `refused request changed D1: ${context}`);
    const replayed = response.headers.get("Idempotent-Replayed") === "true";
    if (route.idempotent && status === 409 && sent.key !== undefined && !replayed && body.code !== "idempotency_key_in_use") {
      const added = after.idempotency_keys.filter(
        (k) => !before.idempotency_keys.some((b) => b.token_hash === k.token_hash && b.idempotency_key === k.idempotency_key),
      );
      expect(added.map((k) => [k.idempotency_key, k.response_status]), `the 409 is kept for replay: ${context}`).toEqual([
        [sent.key.trim(), 409],
      ]);
      expect(after.idempotency_keys.length, context).toBe(before.idempotency_keys.length + 1);
      keyBodies.set(keyScope(sent), bookingCanon(bodyOf(sent)));
    } else {
      expectUnchanged(before, after, ["idempotency_keys"], `refused request changed idempotency_keys: ${context}`);
    }
  }

  switch (expectation.kind) {
    case "success":
      expect(status, `SPEC expects ${route.successStatus}: ${context}`).toBe(route.successStatus);
      break;
    case "refusal":
      expect(expectation.statuses, `SPEC expects ${expectation.statuses.join("/")} ${expectation.codes?.join("|") ?? ""}: ${context}`).toContain(status);
      if (expectation.codes) expect(expectation.codes, `code: ${context}`).toContain(body?.code);
      break;
    case "replay": {
      expect(response.headers.get("Idempotent-Replayed"), `replay: ${context}`).toBe("true");
      expect(status, `replay: ${context}`).toBe(expectation.stored.response_status);
      expect(text, `replay body: ${context}`).toBe(expectation.stored.response_body);
      expectUnchanged(before, after, ["patients", "consultation_slots", "reservations", "idempotency_keys"], `replay: ${context}`);
      break;
    }
    case "any":
      break;
  }

  if (status < 300) {
    const replayed = response.headers.get("Idempotent-Replayed") === "true";
    if (replayed) {
      expectUnchanged(before, after, ["patients", "consultation_slots", "reservations", "idempotency_keys"], `replay: ${context}`);
    } else {
      expect(status, `success status: ${context}`).toBe(route.successStatus);
      // SPEC §9: patient data is never kept by a shared cache.
      if (!route.path.startsWith("/consultation-slots") || route.path.endsWith("/queue/next")) {
        expect(response.headers.get("Cache-Control"), `Cache-Control: ${context}`).toContain("no-store");
      }
      try {
        route.onSuccess(sent, { status, body, response }, before, after);
      } catch (error) {
        throw new Error(`2xx check failed: ${context}\n${error instanceof Error ? error.message : String(error)}`);
      }
      if (route.idempotent && sent.key !== undefined) {
        const row = after.idempotency_keys.find((k) => k.idempotency_key === sent.key!.trim() && k.token_hash === tokenHashes.get(TOKENS[sent.token]!));
        expect(row?.response_status, `the 201 is kept for replay: ${context}`).toBe(201);
        keyBodies.set(keyScope(sent), bookingCanon(bodyOf(sent)));
      }
    }
  }
  // After a refusal D1 is unchanged (checked above), so the invariants can only break on a 2xx.
  if (status < 300) {
    expectInvariants(after, context);
  }
}

// ---------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------

/** Runs per route: with the mix and the two field properties, about 3 900 requests in all. */
const RUNS: Record<string, number> = {
  "POST /patients": 300,
  "PUT /patients/{id}": 250,
  "PATCH /patients/{id}": 250,
  "DELETE /patients/{id}": 200,
  "POST /consultation-slots": 300,
  "PUT /consultation-slots/{id}": 250,
  "PATCH /consultation-slots/{id}": 250,
  "DELETE /consultation-slots/{id}": 200,
  "POST /reservations": 300,
  "POST /reservations with Idempotency-Key": 300,
  "PATCH /reservations/{id} (status)": 250,
  "PATCH /reservations/{id} (consultation_slot_id)": 250,
  "DELETE /reservations/{id}": 200,
  "POST /consultation-slots/{id}/queue/next": 200,
};
/** Routes whose property failed (the coverage check below does not hold them to it). */
const failed = new Set<string>();
/** Multiplies every numRuns (1 = about 3 900 generated requests in the file, some 30 s on an idle 2-core machine). */
const SCALE = 1;
const runsFor = (name: string) => Math.max(1, Math.round((RUNS[name] ?? 200) * SCALE));

describe("property: every write route answers 2xx or a problem, and a refusal changes nothing", () => {
  beforeAll(async () => {
    await topUp(await snapshot());
  });

  for (const route of ROUTES) {
    it(`${route.name}`, { timeout: 300_000 }, async () => {
      try {
        await fc.assert(
          fc.asyncProperty(route.arbitrary, (gen) => exercise(route, gen)),
          { numRuns: runsFor(route.name) },
        );
      } catch (error) {
        failed.add(route.name);
        throw error;
      }
      await checkInvariants(`the runs of ${route.name}`);
    });
  }

  it("a random mix of every write route keeps the booking rules", { timeout: 300_000 }, async () => {
    const step = fc.oneof(...ROUTES.map((route) => route.arbitrary.map((gen) => ({ route: route.name, gen }))));
    const byName = new Map(ROUTES.map((r) => [r.name, r]));
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        for (const { route, gen } of steps) await exercise(byName.get(route)!, gen);
      }),
      { numRuns: Math.max(1, Math.round(30 * SCALE)) },
    );
    await checkInvariants("the mixed runs");
  });

  it("covered each route with successes and refusals", () => {
    const lines = [...stats].map(([name, counts]) => `${name}: ${[...counts].sort().map(([s, n]) => `${s}×${n}`).join(", ")}`);
    console.log(lines.join("\n"));
    for (const route of ROUTES) {
      const counts = stats.get(route.name);
      if (!counts || failed.has(route.name)) continue; // filtered out, or failed (and reported) above
      const statuses = [...counts.keys()].map((label) => Number.parseInt(label, 10));
      expect(statuses.some((s) => s < 300), `${route.name} never succeeded: ${lines.join("; ")}`).toBe(true);
      expect(statuses.some((s) => s >= 400), `${route.name} never refused`).toBe(true);
    }
  });
});

/**
 * Two narrower properties over the same checks, for what SPEC allows in one
 * field: any name of 1–100 characters, any real calendar date for a slot.
 */
describe("property: any value SPEC allows in a field is handled", () => {
  const json = (value: unknown): BodySpec => ({ payload: { json: value }, contentType: "application/json", stream: false });
  let unique = 0;

  it("a name of 1–100 characters (any code points) is stored and echoed trimmed, or refused cleanly", { timeout: 120_000 }, async () => {
    // Control and invisible characters (C0 from NUL on, DEL, zero-width, BOM, bidi, separators), at the start, inside or at the end.
    const oddChar = fc.oneof(
      fc.constantFrom("\u0000", "\u001f", "\u007f"), // the edges of the control ranges
      fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
      fc.constantFrom("\u007f", "\u00a0", "\u200b", "\u200f", "\u202e", "\u2028", "\ufeff", "\ud83d\ude00"),
    );
    const nama = fc
      .oneof(
        {
          weight: 3,
          arbitrary: fc
            .tuple(oddChar, indonesianName, fc.constantFrom("start", "start", "middle", "end"))
            .map(([c, name, where]) =>
              where === "start" ? `${c}${name}` : where === "end" ? `${name}${c}` : `${name.slice(0, 2)}${c}${name.slice(2)}`,
            ),
        },
        { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 100 }) },
        { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }) },
      )
      .filter((s) => s.trim().length > 0);
    await fc.assert(
      fc.asyncProperty(nama, async (n) => {
        unique += 1;
        await exercise(patientsPost, {
          token: "staff",
          body: json({ nama: n, email: `nama.${unique}.${Date.now()}@example.co.id`, nomor_telepon: "081234567890" }),
        });
      }),
      { numRuns: 100 },
    );
  });

  it("a slot moved to any real calendar date keeps its reservations changeable", { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(anyCalendarDate, fc.constantFrom("checked_in", "no_show", "cancelled"), async (tanggal, status) => {
        const patient = await newPatient();
        const slot = await newSlot(2);
        const booked = await created(await call("POST", "/reservations", { body: { patient_id: patient, consultation_slot_id: slot } }));
        lastSnapshot = null; // the fixture above wrote to D1
        await exercise(slotsPatch, { token: "staff", id: { raw: String(slot), encode: true }, body: json({ tanggal }) });
        await exercise(reservationsPatchStatus, { token: "staff", id: { raw: String(booked.id), encode: true }, body: json({ status }) });
      }),
      { numRuns: 30 },
    );
  });
});
