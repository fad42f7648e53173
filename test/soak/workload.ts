/**
 * The soak workload: a model of what the clients were told (patients, slots,
 * reservations, numbers issued, queue calls, Idempotency-Keys) and the mixed
 * operations that drive the API. Each operation checks its answer against the
 * contract (SPEC §3–§5, §10) as far as the client can know it, and updates
 * the model only from successful answers, so that after the run the model can
 * be compared with D1.
 *
 * Concurrency on purpose, ambiguity not: a reservation, a patient or a slot's
 * kuota is changed by one worker at a time (a client-side `busy` flag), so
 * "the status the client last set" is well defined. Everything else — many
 * bookings on one slot, moves between slots, queue calls while statuses
 * change, repeated Idempotency-Keys — runs concurrently.
 *
 * Runs on Node 22 with type stripping: erasable TypeScript only.
 */
import { describe, outcomeUnknown, type Answer, type Call, type Findings } from "./client.ts";

export type Status = "booked" | "checked_in" | "served" | "no_show" | "cancelled";

/** Open slots that take 40% of the bookings (and half the kuota changes and queue calls), so they are full most of the time. */
const HOT_SLOTS = 6;

const PENDING: ReadonlySet<string> = new Set(["booked", "checked_in"]);
const TRANSITIONS: Record<Status, Status[]> = {
  booked: ["checked_in", "served", "no_show", "cancelled"],
  checked_in: ["served", "no_show", "cancelled"],
  served: [],
  no_show: [],
  cancelled: [],
};

export function isPending(status: string): boolean {
  return PENDING.has(status);
}

/** SPEC §3: setting the status a reservation already has is a no-op, anything else follows the table. */
function accepted(from: Status, to: Status): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

/** Check names: the report prints one PASS/FAIL line per check. */
export const CHECK = {
  contract: "every answer is one the contract allows for that request",
  overbookedRead: "§5.3 never overbooked, as seen by reads during the run (terisi ≤ kuota, sisa_kuota = kuota − terisi)",
  reissued: "§5.1/§5.2 no (slot, nomor_antrian) was ever issued twice during the run (201s and moves, incl. cancelled/deleted/moved)",
  numberWentDown: "§5.2 queue status nomor_terakhir never below a number already issued (during the run)",
  idempotency: "§5 Idempotency-Key: a key books at most once; repeats replay the first answer",
  doubleCall: "§10 queue/next never calls a number twice in a slot",
} as const;

export interface PatientModel {
  id: number;
  nama: string;
  email: string;
  nomor_telepon: string;
  busy: boolean;
  /** A change timed out: what D1 holds is unknown. */
  uncertain: boolean;
}

export interface SlotModel {
  id: number;
  tanggal: string;
  waktu: string;
  kuota: number;
  baseKuota: number;
  ketersediaan: boolean;
  past: boolean;
  /** A kuota change is in flight (one at a time per slot). */
  busy: boolean;
  kuotaUncertain: boolean;
  /** queue/next requests sent to this slot, and whether one of them went unanswered. */
  callsSent: number;
  callUncertain: boolean;
  /** Bookings or moves into this slot whose answer never came: a number may have been issued unseen. */
  issueUncertain: boolean;
}

export interface ReservationModel {
  id: number;
  patientId: number;
  slotId: number;
  nomor: number;
  /** The status the client last successfully set (booked when created). */
  status: Status;
  /** Slots in which queue/next called this reservation. */
  calledIn: Set<number>;
  busy: boolean;
  deleted: boolean;
  /** A change to it went unanswered: its status, slot or existence is unknown. */
  uncertain: boolean;
  /** The request that last changed it (for reports). */
  lastRequestId: string | null;
  history: string[];
}

export interface Issue {
  slotId: number;
  nomor: number;
  reservationId: number;
  how: string;
  requestId: string | null;
}

interface BookingBody {
  patient_id: number;
  consultation_slot_id: number;
}

export interface KeyRecord {
  key: string;
  body: BookingBody;
  answers: Answer[];
}

export interface Rng {
  (): number;
}

/** mulberry32: a small seeded generator, so a run's choices can be repeated with --seed. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class World {
  patients: PatientModel[] = [];
  slots: SlotModel[] = [];
  slotById = new Map<number, SlotModel>();
  reservations = new Map<number, ReservationModel>();
  /** Reservations not deleted, for picking at random. */
  live: ReservationModel[] = [];
  issued = new Map<string, Issue>();
  maxIssued = new Map<number, number>();
  calls = new Map<number, Map<number, string | null>>();
  keys = new Map<string, KeyRecord>();
  recentKeys: string[] = [];
  /** Bookings whose answer never came (their outcome is unknown). */
  unknownBookings = 0;
  findings: Findings;
  call: Call;
  rng: Rng;
  runId: string;
  #keyCounter = 0;
  #emailCounter = 0;

  constructor(call: Call, findings: Findings, rng: Rng, runId: string) {
    this.call = call;
    this.findings = findings;
    this.rng = rng;
    this.runId = runId;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.rng() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rng() * items.length)]!;
  }

  addSlot(slot: SlotModel): void {
    this.slots.push(slot);
    this.slotById.set(slot.id, slot);
  }

  /** An open slot still ahead most of the time; now and then a closed or past one, to be refused. */
  pickSlotForBooking(): SlotModel {
    const r = this.rng();
    const open = this.openSlots();
    if (r < 0.4) return this.pick(open.slice(0, HOT_SLOTS));
    if (r < 0.9 || open.length === this.slots.length) return this.pick(open);
    return this.pick(this.slots.filter((s) => !s.ketersediaan || s.past));
  }

  /** Open slots still ahead, in creation order: the first HOT_SLOTS of them get a good part of the bookings, so they fill up. */
  openSlots(): SlotModel[] {
    return this.slots.filter((s) => s.ketersediaan && !s.past);
  }

  /** A reservation nobody else is changing, matching `filter`; marked busy. */
  takeReservation(filter: (r: ReservationModel) => boolean = () => true): ReservationModel | null {
    for (let tries = 0; tries < 12 && this.live.length > 0; tries++) {
      const r = this.pick(this.live);
      if (!r.busy && !r.deleted && filter(r)) {
        r.busy = true;
        return r;
      }
    }
    return null;
  }

  takePatient(except?: PatientModel): PatientModel | null {
    for (let tries = 0; tries < 12; tries++) {
      const p = this.pick(this.patients);
      if (!p.busy && p !== except) {
        p.busy = true;
        return p;
      }
    }
    return null;
  }

  violation(check: string, message: string): void {
    this.findings.add(check, message);
  }

  unexpected(a: Answer, why: string): void {
    this.violation(CHECK.contract, `${why}: ${describe(a)}`);
  }

  /** A (slot, number) handed out to the client: it must never be handed out again. */
  recordIssue(issue: Issue): void {
    const key = `${issue.slotId}:${issue.nomor}`;
    const earlier = this.issued.get(key);
    if (earlier && earlier.reservationId !== issue.reservationId) {
      this.violation(
        CHECK.reissued,
        `slot ${issue.slotId} number ${issue.nomor} issued to reservation ${earlier.reservationId} (${earlier.how}, X-Request-Id ${earlier.requestId}) and again to reservation ${issue.reservationId} (${issue.how}, X-Request-Id ${issue.requestId})`,
      );
    } else if (earlier) {
      // The same reservation given the same number again: only a move back could do that, and a move takes a new number.
      this.violation(
        CHECK.reissued,
        `slot ${issue.slotId} number ${issue.nomor} issued twice to reservation ${issue.reservationId} (${earlier.how} X-Request-Id ${earlier.requestId}, then ${issue.how} X-Request-Id ${issue.requestId})`,
      );
    }
    if (!earlier) this.issued.set(key, issue);
    this.maxIssued.set(issue.slotId, Math.max(this.maxIssued.get(issue.slotId) ?? 0, issue.nomor));
  }

  addReservation(json: any, requestId: string | null, how: string): ReservationModel {
    const r: ReservationModel = {
      id: json.id,
      patientId: json.patient_id,
      slotId: json.consultation_slot_id,
      nomor: json.nomor_antrian,
      status: json.status,
      calledIn: new Set(),
      busy: false,
      deleted: false,
      uncertain: false,
      lastRequestId: requestId,
      history: [`${how} slot ${json.consultation_slot_id} #${json.nomor_antrian} (${requestId})`],
    };
    this.reservations.set(r.id, r);
    this.live.push(r);
    return r;
  }

  newKey(): string {
    this.#keyCounter += 1;
    return `soak-${this.runId}-${this.#keyCounter}`;
  }

  newEmail(patientId: number): string {
    this.#emailCounter += 1;
    // Mixed case on purpose: uniqueness ignores case, the address is kept as written.
    return `Soak.${this.runId}.p${patientId}.v${this.#emailCounter}@Example.co.id`;
  }
}

// ---------------------------------------------------------------- answer checks shared by the operations

function checkSlotView(w: World, a: Answer, s: any): void {
  if (typeof s?.kuota !== "number" || typeof s?.terisi !== "number") {
    w.unexpected(a, "a slot without kuota/terisi");
    return;
  }
  if (s.terisi > s.kuota || s.terisi < 0 || s.sisa_kuota !== s.kuota - s.terisi) {
    w.violation(
      CHECK.overbookedRead,
      `slot ${s.id}: kuota ${s.kuota}, terisi ${s.terisi}, sisa_kuota ${s.sisa_kuota}: ${describe(a)}`,
    );
  }
  if (s.dapat_dipesan && !(s.ketersediaan && s.sisa_kuota > 0)) {
    w.unexpected(a, `slot ${s.id} says dapat_dipesan although it is closed or full`);
  }
  const model = w.slotById.get(s.id);
  if (model && (model.tanggal !== s.tanggal || model.waktu !== s.waktu || model.ketersediaan !== s.ketersediaan)) {
    w.unexpected(a, `slot ${s.id} is not the tanggal/waktu/ketersediaan it was created with`);
  }
}

function checkReservationView(w: World, a: Answer, json: any, expect: Partial<Record<string, unknown>>): boolean {
  for (const [field, value] of Object.entries(expect)) {
    if (json?.[field] !== value) {
      w.unexpected(a, `${field} is ${JSON.stringify(json?.[field])}, expected ${JSON.stringify(value)}`);
      return false;
    }
  }
  if (!Number.isInteger(json?.nomor_antrian) || json.nomor_antrian < 1) {
    w.unexpected(a, "nomor_antrian is not a positive integer");
    return false;
  }
  return true;
}

/** Whether queue/next called this reservation in its current slot (or may have: a call went unanswered). */
function calledInItsSlot(w: World, r: ReservationModel): boolean {
  const called = r.calledIn.has(r.slotId) || w.calls.get(r.slotId)?.has(r.nomor) === true;
  return called || w.slotById.get(r.slotId)?.callUncertain === true;
}

/** Statuses D1 may hold for a reservation the client last set to `r.status` (a called one may have been served by the next call). */
export function allowedStatuses(w: World, r: ReservationModel): Status[] {
  const allowed: Status[] = [r.status];
  if (isPending(r.status) && calledInItsSlot(w, r)) allowed.push("served");
  return allowed;
}

/** A 404 for a reservation whose delete (or other change) went unanswered: it was deleted after all. */
function goneAfterUnknownOutcome(w: World, r: ReservationModel, a: Answer): boolean {
  if (!r.uncertain || a.status !== 404 || r.deleted) return false;
  r.deleted = true;
  r.history.push(`gone (404, ${a.requestId})`);
  w.live.splice(w.live.indexOf(r), 1);
  return true;
}

/**
 * A refusal the model did not predict may come from the queue: a call can serve
 * a called reservation while a worker changes it. Reads the reservation back
 * (still holding it) and accepts the refusal only if the queue served it.
 */
async function reachedByTheQueue(w: World, r: ReservationModel): Promise<boolean> {
  const slot = w.slotById.get(r.slotId);
  if (!slot || slot.callsSent === 0 || !isPending(r.status)) return false;
  const a = await w.call("get_reservation", "GET", `/reservations/${r.id}`);
  if (a.status === 200 && a.json?.status === "served" && a.json.consultation_slot_id === r.slotId) {
    r.status = "served";
    r.history.push(`served by a queue call (read back, ${a.requestId})`);
    return true;
  }
  // Called by a queue/next whose answer has not reached its worker yet: pending, but no longer waiting.
  if (a.status === 200 && isPending(a.json?.status) && a.json.posisi === null && a.json.consultation_slot_id === r.slotId) {
    r.calledIn.add(r.slotId);
    r.history.push(`called by a concurrent queue call (read back, ${a.requestId})`);
    return true;
  }
  return false;
}

// ---------------------------------------------------------------- bookings

function handleBooking(w: World, a: Answer, body: BookingBody, key: string | undefined, reusedWithOtherBody: boolean): void {
  const slot = w.slotById.get(body.consultation_slot_id)!;
  if (key !== undefined) w.keys.get(key)?.answers.push(a);
  if (outcomeUnknown(a)) {
    if (!reusedWithOtherBody) {
      w.unknownBookings += 1;
      slot.issueUncertain = true;
    }
    return;
  }
  if (reusedWithOtherBody) {
    if (a.status !== 422 || a.code !== "idempotency_key_reused") {
      w.violation(CHECK.idempotency, `a key already answered, sent with another body, must be 422 idempotency_key_reused: ${describe(a)}`);
    }
    if (a.status !== 201 || a.replayed || w.reservations.has(a.json?.id)) return;
    // Wrong, and reported; still a reservation the client was told about.
  }
  if (a.status === 201) {
    if (!checkReservationView(w, a, a.json, { patient_id: body.patient_id, consultation_slot_id: body.consultation_slot_id, status: "booked" })) return;
    if (!slot.ketersediaan || slot.past) w.unexpected(a, "booked a closed or past slot");
    if (a.replayed) {
      // The first answer may have been lost to a timeout: the replay is how the client learns of it.
      if (!w.reservations.has(a.json.id)) {
        w.recordIssue({ slotId: body.consultation_slot_id, nomor: a.json.nomor_antrian, reservationId: a.json.id, how: "replayed booking", requestId: a.requestId });
        w.addReservation(a.json, a.requestId, "booked (learned from a replay)");
      }
      return;
    }
    if (w.reservations.has(a.json.id)) {
      w.unexpected(a, `a new booking answered with reservation ${a.json.id}, which the client already had`);
      return;
    }
    w.recordIssue({ slotId: body.consultation_slot_id, nomor: a.json.nomor_antrian, reservationId: a.json.id, how: "booking 201", requestId: a.requestId });
    w.addReservation(a.json, a.requestId, "booked");
    return;
  }
  if (a.status === 409) {
    const allowed = new Set<string>();
    if (!slot.ketersediaan) allowed.add("slot_closed");
    else if (slot.past) allowed.add("slot_in_past");
    else ["slot_full", "duplicate_reservation"].forEach((c) => allowed.add(c));
    if (key !== undefined && !a.replayed) allowed.add("idempotency_key_in_use");
    if (!allowed.has(a.code ?? "")) w.unexpected(a, `booking refused with ${a.code}, expected one of ${[...allowed].join(", ")}`);
    return;
  }
  w.unexpected(a, "a booking must be 201 or 409");
}

export async function opBook(w: World): Promise<void> {
  const patient = w.pick(w.patients);
  const slot = w.pickSlotForBooking();
  const body: BookingBody = { patient_id: patient.id, consultation_slot_id: slot.id };
  const r = w.rng();
  if (r < 0.45 || (r >= 0.75 && w.recentKeys.length === 0)) {
    handleBooking(w, await w.call("book", "POST", "/reservations", { body }), body, undefined, false);
    return;
  }
  if (r < 0.75) {
    const key = w.newKey();
    w.keys.set(key, { key, body, answers: [] });
    // A quarter of these are a double click: the same request twice at once.
    const copies = w.rng() < 0.25 ? 2 : 1;
    const answers = await Promise.all(
      Array.from({ length: copies }, () => w.call(copies === 2 ? "book_key_double" : "book_key", "POST", "/reservations", { body, key })),
    );
    for (const a of answers) handleBooking(w, a, body, key, false);
    // Offered to retries (and to reuse with another body) only once answered: before that, another
    // request with the key could legitimately be the first the server sees.
    w.recentKeys.push(key);
    if (w.recentKeys.length > 300) w.recentKeys.shift();
    return;
  }
  const record = w.keys.get(w.pick(w.recentKeys))!;
  if (r < 0.93) {
    // A retry with the same key and body: a replay of the first answer, or "in use" while it is in flight.
    handleBooking(w, await w.call("book_key_repeat", "POST", "/reservations", { body: record.body, key: record.key }), record.body, record.key, false);
    return;
  }
  const other: BookingBody = { ...record.body, patient_id: record.body.patient_id === patient.id ? w.pick(w.patients).id : patient.id };
  if (other.patient_id === record.body.patient_id) other.consultation_slot_id = slot.id === record.body.consultation_slot_id ? w.pick(w.slots).id : slot.id;
  if (other.patient_id === record.body.patient_id && other.consultation_slot_id === record.body.consultation_slot_id) return;
  handleBooking(w, await w.call("book_key_reused", "POST", "/reservations", { body: other, key: record.key }), other, record.key, true);
}

// ---------------------------------------------------------------- status changes, moves, deletes

export async function opStatus(w: World, cancel: boolean): Promise<void> {
  const r = w.takeReservation();
  if (!r) return;
  try {
    let target: Status;
    if (cancel) target = "cancelled";
    else {
      const x = w.rng();
      target = x < 0.4 ? "checked_in" : x < 0.65 ? "served" : x < 0.85 ? "no_show" : "booked";
    }
    const before = r.status;
    const a = await w.call(cancel ? "cancel" : "status", "PATCH", `/reservations/${r.id}`, { body: { status: target } });
    if (outcomeUnknown(a)) {
      r.uncertain = true;
      return;
    }
    if (goneAfterUnknownOutcome(w, r, a) || r.uncertain) return;
    const legal = accepted(before, target);
    if (a.status === 200) {
      if (!checkReservationView(w, a, a.json, { id: r.id, status: target, consultation_slot_id: r.slotId, nomor_antrian: r.nomor, patient_id: r.patientId })) return;
      if (!legal) w.unexpected(a, `reservation was ${before} (as last set by this client): ${before} → ${target} must be 409 invalid_transition`);
      r.status = target;
      r.lastRequestId = a.requestId;
      r.history.push(`${target} (${a.requestId})`);
      return;
    }
    if (a.status === 409 && a.code === "invalid_transition") {
      if (legal && !(await reachedByTheQueue(w, r))) {
        w.unexpected(a, `reservation is ${before} (as last set by this client): ${before} → ${target} is allowed`);
      }
      return;
    }
    w.unexpected(a, "a status change must be 200 or 409 invalid_transition");
  } finally {
    r.busy = false;
  }
}

export async function opMove(w: World): Promise<void> {
  const r = w.takeReservation((x) => isPending(x.status) && !x.uncertain);
  if (!r) return;
  try {
    const x = w.rng();
    const candidates =
      x < 0.85
        ? w.slots.filter((s) => s.ketersediaan && !s.past && s.id !== r.slotId)
        : w.slots.filter((s) => (!s.ketersediaan || s.past) && s.id !== r.slotId);
    if (candidates.length === 0) return;
    const target = w.pick(candidates);
    const from = r.slotId;
    const a = await w.call("move", "PATCH", `/reservations/${r.id}`, { body: { consultation_slot_id: target.id } });
    if (outcomeUnknown(a)) {
      r.uncertain = true;
      target.issueUncertain = true;
      return;
    }
    if (goneAfterUnknownOutcome(w, r, a)) return;
    if (a.status === 200) {
      if (!checkReservationView(w, a, a.json, { id: r.id, consultation_slot_id: target.id, patient_id: r.patientId })) return;
      if (!isPending(a.json.status)) w.unexpected(a, "a moved reservation must still be pending");
      if (!target.ketersediaan || target.past) w.unexpected(a, "moved into a closed or past slot");
      w.recordIssue({ slotId: target.id, nomor: a.json.nomor_antrian, reservationId: r.id, how: `move from slot ${from}`, requestId: a.requestId });
      r.slotId = target.id;
      r.nomor = a.json.nomor_antrian;
      r.status = a.json.status;
      r.lastRequestId = a.requestId;
      r.history.push(`moved ${from} → ${target.id} #${r.nomor} (${a.requestId})`);
      return;
    }
    if (a.status === 409) {
      const allowed = !target.ketersediaan ? ["slot_closed"] : target.past ? ["slot_in_past"] : ["slot_full", "duplicate_reservation"];
      if (a.code === "invalid_transition") {
        // A called reservation is being served and may not move (README); nor may one the queue served since.
        if (calledInItsSlot(w, r)) return;
        if (!(await reachedByTheQueue(w, r))) w.unexpected(a, `reservation is ${r.status} (as last set by this client), not called: it may move`);
      } else if (!allowed.includes(a.code ?? "")) {
        w.unexpected(a, `move refused with ${a.code}, expected one of ${allowed.join(", ")}`);
      }
      return;
    }
    w.unexpected(a, "a move must be 200 or 409");
  } finally {
    r.busy = false;
  }
}

export async function opDelete(w: World): Promise<void> {
  const r = w.takeReservation();
  if (!r) return;
  try {
    const a = await w.call("delete", "DELETE", `/reservations/${r.id}`);
    if (outcomeUnknown(a)) {
      r.uncertain = true;
      return;
    }
    if (a.status === 204 || (a.status === 404 && r.uncertain)) {
      r.deleted = true;
      r.lastRequestId = a.requestId;
      r.history.push(`deleted (${a.requestId})`);
      w.live.splice(w.live.indexOf(r), 1);
      return;
    }
    w.unexpected(a, `deleting reservation ${r.id} (not deleted before) must be 204`);
  } finally {
    r.busy = false;
  }
}

// ---------------------------------------------------------------- patients, queue, kuota

const PHONES = ["0812-3456-7890", "+62 812 9876 5432", "081298765432", "021-555-0199", "+6285712345678"];

export async function opPatientEdit(w: World): Promise<void> {
  const p = w.takePatient();
  if (!p) return;
  let other: PatientModel | null = null;
  try {
    const x = w.rng();
    if (x < 0.12) {
      // Another patient's email, in other letters' case: 409 email_taken (uniqueness ignores case).
      other = w.takePatient(p);
      if (!other || other.uncertain) return;
      const email = w.rng() < 0.5 ? other.email.toUpperCase() : other.email.toLowerCase();
      const a = await w.call("patient_email_clash", "PATCH", `/patients/${p.id}`, { body: { email } });
      if (outcomeUnknown(a)) return;
      if (a.status !== 409 || a.code !== "email_taken") w.unexpected(a, `patient ${other.id} has this email: must be 409 email_taken`);
      return;
    }
    const body: Record<string, string> = {};
    if (x < 0.2) body.email = w.newEmail(p.id);
    else {
      if (w.rng() < 0.7) body.nama = `Pasien Soak ${p.id} ${w.int(1, 9999)}`;
      if (!body.nama || w.rng() < 0.5) body.nomor_telepon = w.pick(PHONES);
    }
    const a = await w.call("patient_edit", "PATCH", `/patients/${p.id}`, { body });
    if (outcomeUnknown(a)) {
      p.uncertain = true;
      return;
    }
    if (a.status !== 200) {
      w.unexpected(a, "a valid patient change must be 200");
      return;
    }
    for (const [field, value] of Object.entries(body)) {
      if (a.json?.[field] !== value) w.unexpected(a, `patient ${field} answered ${JSON.stringify(a.json?.[field])}`);
    }
    Object.assign(p, body);
  } finally {
    p.busy = false;
    if (other) other.busy = false;
  }
}

export async function opQueueNext(w: World): Promise<void> {
  const x = w.rng();
  const slot = x < 0.5 ? w.pick(w.openSlots().slice(0, HOT_SLOTS)) : x < 0.9 ? w.pick(w.openSlots()) : w.pick(w.slots);
  slot.callsSent += 1;
  const a = await w.call("queue_next", "POST", `/consultation-slots/${slot.id}/queue/next`);
  if (outcomeUnknown(a)) {
    slot.callUncertain = true;
    return;
  }
  if (a.status === 409 && a.code === "queue_empty") return;
  if (a.status !== 200) {
    w.unexpected(a, "queue/next must be 200 or 409 queue_empty");
    return;
  }
  if (!checkReservationView(w, a, a.json, { consultation_slot_id: slot.id })) return;
  if (!isPending(a.json.status)) w.unexpected(a, "the called reservation must be pending (it keeps its status while served)");
  let called = w.calls.get(slot.id);
  if (!called) w.calls.set(slot.id, (called = new Map()));
  const earlier = called.get(a.json.nomor_antrian);
  if (earlier !== undefined) {
    w.violation(CHECK.doubleCall, `slot ${slot.id} number ${a.json.nomor_antrian} called twice (X-Request-Id ${earlier}, then ${a.requestId})`);
  }
  called.set(a.json.nomor_antrian, a.requestId);
  const r = w.reservations.get(a.json.id);
  if (r) {
    r.calledIn.add(slot.id);
    r.history.push(`called in slot ${slot.id} (${a.requestId})`);
  }
}

export async function opKuota(w: World): Promise<void> {
  const free = (w.rng() < 0.5 ? w.openSlots().slice(0, HOT_SLOTS) : w.slots).filter((s) => !s.busy && !s.past);
  if (free.length === 0) return;
  const slot = w.pick(free);
  slot.busy = true;
  try {
    const current = slot.kuota;
    let next: number;
    if (current > slot.baseKuota + 6) next = current - w.int(1, 4);
    else if (current < slot.baseKuota - 3) next = current + w.int(1, 4);
    else next = current + (w.rng() < 0.55 ? -1 : 1) * w.int(1, 3);
    next = Math.max(1, Math.min(1000, next));
    const a = await w.call("kuota", "PATCH", `/consultation-slots/${slot.id}`, { body: { kuota: next } });
    if (outcomeUnknown(a)) {
      slot.kuotaUncertain = true;
      return;
    }
    if (slot.kuotaUncertain) {
      if (a.status === 200) slot.kuota = next;
      return;
    }
    if (a.status === 200) {
      if (a.json?.kuota !== next) w.unexpected(a, `kuota answered ${a.json?.kuota}`);
      checkSlotView(w, a, a.json);
      slot.kuota = next;
      return;
    }
    if (a.status === 409 && a.code === "kuota_below_terisi") {
      if (next >= current) w.unexpected(a, `raising kuota ${current} → ${next} can never be below terisi`);
      return;
    }
    w.unexpected(a, "a kuota change must be 200 or 409 kuota_below_terisi");
  } finally {
    slot.busy = false;
  }
}

// ---------------------------------------------------------------- reads

function query(params: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined) as [string, string | number | boolean][];
  return entries.length === 0 ? "" : `?${entries.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join("&")}`;
}

export async function opListSlots(w: World): Promise<void> {
  const dates = [...new Set(w.slots.map((s) => s.tanggal))].sort();
  const x = w.rng();
  const filter: Record<string, string | number | boolean | undefined> = {};
  if (x < 0.25) filter.tanggal = w.pick(dates);
  else if (x < 0.45) {
    const a = w.pick(dates);
    const b = w.pick(dates);
    [filter.dari, filter.sampai] = a <= b ? [a, b] : [b, a];
  } else if (x < 0.6) filter.ketersediaan = w.rng() < 0.7;
  else if (x < 0.8) filter.dapat_dipesan = w.rng() < 0.6;
  const limit = w.pick([5, 20, 50, 100]);
  const offset = w.rng() < 0.2 ? w.int(0, 20) : 0;
  const a = await w.call("list_slots", "GET", `/consultation-slots${query({ ...filter, limit, offset })}`, { auth: false });
  if (a.status !== 200 || !Array.isArray(a.json?.data)) {
    w.unexpected(a, "a slot list must be 200 with data");
    return;
  }
  if (a.json.data.length > limit || a.json.total < a.json.data.length) w.unexpected(a, "page larger than limit or total");
  let previous: string | null = null;
  for (const s of a.json.data) {
    checkSlotView(w, a, s);
    const bad =
      (filter.tanggal !== undefined && s.tanggal !== filter.tanggal) ||
      (filter.dari !== undefined && s.tanggal < (filter.dari as string)) ||
      (filter.sampai !== undefined && s.tanggal > (filter.sampai as string)) ||
      (filter.ketersediaan !== undefined && s.ketersediaan !== filter.ketersediaan) ||
      (filter.dapat_dipesan !== undefined && s.dapat_dipesan !== filter.dapat_dipesan);
    if (bad) w.unexpected(a, `slot ${s.id} does not match the filter`);
    const sortKey = `${s.tanggal} ${s.waktu} ${String(s.id).padStart(12, "0")}`;
    if (previous !== null && previous > sortKey) w.unexpected(a, `slots not sorted by tanggal, waktu, id (at slot ${s.id})`);
    previous = sortKey;
  }
}

export async function opGetSlot(w: World): Promise<void> {
  const slot = w.pick(w.slots);
  const a = await w.call("get_slot", "GET", `/consultation-slots/${slot.id}`, { auth: false });
  if (a.status !== 200 || a.json?.id !== slot.id) {
    w.unexpected(a, "an existing slot must be 200");
    return;
  }
  checkSlotView(w, a, a.json);
}

export async function opQueueStatus(w: World): Promise<void> {
  const slot = w.pick(w.slots);
  const issuedBefore = w.maxIssued.get(slot.id) ?? 0;
  const a = await w.call("queue_status", "GET", `/consultation-slots/${slot.id}/queue`, { auth: false });
  if (a.status !== 200 || a.json?.consultation_slot_id !== slot.id) {
    w.unexpected(a, "the queue of an existing slot must be 200");
    return;
  }
  const q = a.json;
  if (q.terisi > q.kuota || q.sisa_kuota !== q.kuota - q.terisi) {
    w.violation(CHECK.overbookedRead, `queue of slot ${slot.id}: kuota ${q.kuota}, terisi ${q.terisi}, sisa_kuota ${q.sisa_kuota}: ${describe(a)}`);
  }
  if (q.nomor_terakhir < issuedBefore) {
    w.violation(CHECK.numberWentDown, `slot ${slot.id}: nomor_terakhir ${q.nomor_terakhir} although number ${issuedBefore} was issued before this read: ${describe(a)}`);
  }
  if (q.sedang_dilayani !== null && q.sedang_dilayani > q.nomor_terakhir) w.unexpected(a, "sedang_dilayani above nomor_terakhir");
  if (q.menunggu < 0 || q.menunggu > q.terisi) w.unexpected(a, "menunggu outside 0..terisi");
}

export async function opListReservations(w: World): Promise<void> {
  const x = w.rng();
  const filter: Record<string, string | number | undefined> = {};
  if (x < 0.35) filter.consultation_slot_id = w.pick(w.slots).id;
  else if (x < 0.65) filter.patient_id = w.pick(w.patients).id;
  else if (x < 0.8) filter.status = w.pick(["booked", "checked_in", "served", "no_show", "cancelled"]);
  else {
    filter.consultation_slot_id = w.pick(w.slots).id;
    filter.status = w.pick(["booked", "checked_in", "cancelled"]);
  }
  const limit = w.pick([20, 50, 100]);
  const a = await w.call("list_reservations", "GET", `/reservations${query({ ...filter, limit })}`);
  if (a.status !== 200 || !Array.isArray(a.json?.data)) {
    w.unexpected(a, "a reservation list must be 200 with data");
    return;
  }
  let previous: string | null = null;
  for (const r of a.json.data) {
    const bad =
      (filter.consultation_slot_id !== undefined && r.consultation_slot_id !== filter.consultation_slot_id) ||
      (filter.patient_id !== undefined && r.patient_id !== filter.patient_id) ||
      (filter.status !== undefined && r.status !== filter.status);
    if (bad) w.unexpected(a, `reservation ${r.id} does not match the filter`);
    const slot = w.slotById.get(r.consultation_slot_id);
    if (slot) {
      const sortKey = `${slot.tanggal} ${slot.waktu} ${String(slot.id).padStart(12, "0")} ${String(r.nomor_antrian).padStart(12, "0")}`;
      if (previous !== null && previous > sortKey) w.unexpected(a, `reservations not sorted by slot tanggal, waktu, id, nomor_antrian (at ${r.id})`);
      previous = sortKey;
    }
  }
}

export async function opGetReservation(w: World): Promise<void> {
  const r = w.takeReservation();
  if (!r) return;
  try {
    const a = await w.call("get_reservation", "GET", `/reservations/${r.id}`);
    if (goneAfterUnknownOutcome(w, r, a) || r.uncertain || outcomeUnknown(a)) return;
    if (a.status !== 200) {
      w.unexpected(a, `reservation ${r.id} was not deleted: must be 200`);
      return;
    }
    if (!checkReservationView(w, a, a.json, { id: r.id, patient_id: r.patientId, consultation_slot_id: r.slotId, nomor_antrian: r.nomor })) return;
    const allowed = allowedStatuses(w, r);
    if (!allowed.includes(a.json.status)) {
      // A call may have served it a moment ago and its answer not have reached us yet.
      const slot = w.slotById.get(r.slotId)!;
      if (!(a.json.status === "served" && isPending(r.status) && slot.callsSent > 0)) {
        w.unexpected(a, `status ${a.json.status}, but this client last set ${r.status}`);
      }
    }
  } finally {
    r.busy = false;
  }
}

/** The mix: weights per operation (they need not add up to anything). */
export const OPERATIONS: [number, (w: World) => Promise<void>][] = [
  [7, opListSlots],
  [7, opGetSlot],
  [7, opListReservations],
  [7, opQueueStatus],
  [5, opGetReservation],
  [27, opBook],
  [7, (w) => opStatus(w, true)],
  [9, (w) => opStatus(w, false)],
  [6, opMove],
  [3, opDelete],
  [5, opPatientEdit],
  [6, opQueueNext],
  [4, opKuota],
];

export function pickOperation(w: World): (w: World) => Promise<void> {
  const total = OPERATIONS.reduce((sum, [weight]) => sum + weight, 0);
  let x = w.rng() * total;
  for (const [weight, op] of OPERATIONS) {
    x -= weight;
    if (x < 0) return op;
  }
  return OPERATIONS[0]![1];
}
