/**
 * After the workload: SPEC §5's invariants checked against what D1 holds, what
 * the API answers, and what the clients were told during the run.
 *
 * Runs on Node 22 with type stripping: erasable TypeScript only.
 */
import { describe, outcomeUnknown, type Answer, type Findings, type Recorder } from "./client.ts";
import { allowedStatuses, CHECK, type World } from "./workload.ts";

export interface D1Slot {
  id: number;
  kuota: number;
  ketersediaan: number;
  nomor_terakhir: number;
  sedang_dilayani: number | null;
}

export interface D1Reservation {
  id: number;
  patient_id: number;
  consultation_slot_id: number;
  nomor_antrian: number;
  status: string;
  called_at: string | null;
}

export interface D1Patient {
  id: number;
  nama: string;
  email: string;
  nomor_telepon: string;
}

export interface Snapshot {
  d1Slots: D1Slot[];
  d1Reservations: D1Reservation[];
  d1Patients: D1Patient[];
  /** GET /consultation-slots/{id} and GET …/queue per slot, after the run. */
  apiSlots: Map<number, { slot: Answer; queue: Answer }>;
  /** Every page of GET /reservations after the run. */
  apiReservations: any[];
}

export interface CheckResult {
  name: string;
  failures: number;
  examples: string[];
  note?: string;
}

const MAX_EXAMPLES = 12;

class Check {
  result: CheckResult;
  constructor(name: string) {
    this.result = { name, failures: 0, examples: [] };
  }
  fail(message: string): void {
    this.result.failures += 1;
    if (this.result.examples.length < MAX_EXAMPLES) this.result.examples.push(message);
  }
}

function fromFindings(findings: Findings, name: string): CheckResult {
  const entry = findings.byCheck.get(name);
  return { name, failures: entry?.count ?? 0, examples: entry?.examples ?? [] };
}

export function checkEverything(w: World, snap: Snapshot, recorder: Recorder, findings: Findings): CheckResult[] {
  const results: CheckResult[] = [];
  const holding = (r: D1Reservation) => r.status !== "cancelled";
  const bySlot = new Map<number, D1Reservation[]>();
  for (const r of snap.d1Reservations) {
    let list = bySlot.get(r.consultation_slot_id);
    if (!list) bySlot.set(r.consultation_slot_id, (list = []));
    list.push(r);
  }
  const d1ById = new Map(snap.d1Reservations.map((r) => [r.id, r]));

  // ------------------------------------------------------------ answers during the run
  {
    const c = new Check("no 5xx answer");
    for (const a of recorder.serverErrors) c.fail(describe(a));
    results.push(c.result);
  }
  {
    const c = new Check("every request answered within the timeout");
    for (const a of recorder.unanswered) c.fail(describe(a));
    results.push(c.result);
  }
  results.push(fromFindings(findings, CHECK.contract));
  {
    const c = new Check("soak client ran without errors of its own");
    const entry = findings.byCheck.get("soak client error");
    for (const e of entry?.examples ?? []) c.fail(e);
    c.result.failures = entry?.count ?? 0;
    results.push(c.result);
  }

  // ------------------------------------------------------------ §5.3 never overbooked
  {
    const c = new Check("§5.3 never overbooked (D1): reservations holding a place ≤ kuota, per slot");
    for (const s of snap.d1Slots) {
      const held = (bySlot.get(s.id) ?? []).filter(holding).length;
      if (held > s.kuota) c.fail(`slot ${s.id}: ${held} reservations hold a place, kuota ${s.kuota}`);
    }
    results.push(c.result);
  }
  results.push(fromFindings(findings, CHECK.overbookedRead));

  // ------------------------------------------------------------ §5.1 / §5.2 numbers
  {
    const c = new Check("§5.1 nomor_antrian unique per slot (D1)");
    const seen = new Map<string, number>();
    for (const r of snap.d1Reservations) {
      const key = `${r.consultation_slot_id}:${r.nomor_antrian}`;
      const other = seen.get(key);
      if (other !== undefined) c.fail(`slot ${r.consultation_slot_id} number ${r.nomor_antrian}: reservations ${other} and ${r.id}`);
      seen.set(key, r.id);
    }
    results.push(c.result);
  }
  {
    const c = new Check("§5.2 never reused (D1): nomor_terakhir ≥ every number in the slot");
    for (const s of snap.d1Slots) {
      const max = Math.max(0, ...(bySlot.get(s.id) ?? []).map((r) => r.nomor_antrian));
      if (s.nomor_terakhir < max) c.fail(`slot ${s.id}: nomor_terakhir ${s.nomor_terakhir} < number ${max} held by a reservation`);
    }
    results.push(c.result);
  }
  results.push(fromFindings(findings, CHECK.reissued));
  {
    const c = new Check("§5.2 nomor_terakhir (D1) is the highest number issued to the clients");
    let uncertain = 0;
    for (const s of snap.d1Slots) {
      const model = w.slotById.get(s.id);
      const issued = w.maxIssued.get(s.id) ?? 0;
      if (model?.issueUncertain) {
        uncertain += 1;
        if (s.nomor_terakhir < issued) c.fail(`slot ${s.id}: nomor_terakhir ${s.nomor_terakhir} < number ${issued} issued to a client`);
      } else if (s.nomor_terakhir !== issued) {
        c.fail(`slot ${s.id}: nomor_terakhir ${s.nomor_terakhir}, but the highest number any client was given is ${issued}`);
      }
    }
    if (uncertain > 0) c.result.note = `${uncertain} slot(s) had an unanswered booking/move: checked ≥ there`;
    results.push(c.result);
  }
  results.push(fromFindings(findings, CHECK.numberWentDown));
  {
    const c = new Check("§10 queue status nomor_terakhir (API, after the run) equals the slot's highest issued number (D1)");
    for (const s of snap.d1Slots) {
      const q = snap.apiSlots.get(s.id)?.queue;
      if (!q || q.status !== 200) c.fail(`slot ${s.id}: queue status not readable: ${q ? describe(q) : "not asked"}`);
      else if (q.json.nomor_terakhir !== s.nomor_terakhir) c.fail(`slot ${s.id}: queue says nomor_terakhir ${q.json.nomor_terakhir}, D1 ${s.nomor_terakhir}`);
      else if (q.json.sedang_dilayani !== s.sedang_dilayani) c.fail(`slot ${s.id}: queue says sedang_dilayani ${q.json.sedang_dilayani}, D1 ${s.sedang_dilayani}`);
    }
    results.push(c.result);
  }

  // ------------------------------------------------------------ §5.4 no double booking
  {
    const c = new Check("§5.4 at most one place per patient per slot (D1)");
    const seen = new Map<string, number>();
    for (const r of snap.d1Reservations.filter(holding)) {
      const key = `${r.consultation_slot_id}:${r.patient_id}`;
      const other = seen.get(key);
      if (other !== undefined) c.fail(`patient ${r.patient_id} holds two places in slot ${r.consultation_slot_id}: reservations ${other} and ${r.id}`);
      seen.set(key, r.id);
    }
    results.push(c.result);
  }

  // ------------------------------------------------------------ §5.5 nothing lost
  {
    const c = new Check("§5.5 nothing lost: every reservation a client was told about is in D1 as last set (deleted ones gone)");
    let skipped = 0;
    for (const r of w.reservations.values()) {
      const row = d1ById.get(r.id);
      const story = r.history.join("; ");
      if (r.deleted) {
        if (row) c.fail(`reservation ${r.id} was deleted (204) but D1 still holds it: ${JSON.stringify(row)} — ${story}`);
        continue;
      }
      if (r.uncertain) {
        skipped += 1;
        continue;
      }
      if (!row) {
        c.fail(`reservation ${r.id} (slot ${r.slotId} #${r.nomor}, ${r.status}) is missing from D1 — ${story}`);
        continue;
      }
      const allowed = allowedStatuses(w, r);
      if (row.consultation_slot_id !== r.slotId || row.nomor_antrian !== r.nomor || row.patient_id !== r.patientId || !allowed.includes(row.status as never)) {
        c.fail(
          `reservation ${r.id}: client expects slot ${r.slotId} #${r.nomor} patient ${r.patientId} status ${allowed.join("/")}, D1 holds ${JSON.stringify(row)} — ${story}`,
        );
      }
    }
    if (skipped > 0) c.result.note = `${skipped} reservation(s) with an unanswered change skipped`;
    results.push(c.result);
  }
  {
    const c = new Check("§5.5 no phantom reservations: D1 holds only reservations a client was told about");
    const unknown = snap.d1Reservations.filter((r) => !w.reservations.has(r.id));
    if (unknown.length > w.unknownBookings) {
      for (const r of unknown) c.fail(`D1 holds reservation ${JSON.stringify(r)} that no 201 announced`);
    } else if (unknown.length > 0) {
      c.result.note = `${unknown.length} unannounced row(s), explained by ${w.unknownBookings} unanswered booking(s)`;
    }
    results.push(c.result);
  }

  // ------------------------------------------------------------ the API agrees with D1
  {
    const c = new Check("terisi in GET /consultation-slots/{id} (and its queue) equals the D1 count");
    for (const s of snap.d1Slots) {
      const held = (bySlot.get(s.id) ?? []).filter(holding).length;
      const api = snap.apiSlots.get(s.id);
      if (!api || api.slot.status !== 200) {
        c.fail(`slot ${s.id}: not readable: ${api ? describe(api.slot) : "not asked"}`);
        continue;
      }
      if (api.slot.json.terisi !== held || api.slot.json.kuota !== s.kuota) {
        c.fail(`slot ${s.id}: API terisi ${api.slot.json.terisi} kuota ${api.slot.json.kuota}, D1 ${held} holding a place, kuota ${s.kuota}`);
      }
      if (api.queue.status === 200 && api.queue.json.terisi !== held) c.fail(`slot ${s.id}: queue terisi ${api.queue.json.terisi}, D1 ${held}`);
    }
    results.push(c.result);
  }
  {
    const c = new Check("GET /reservations (every page) lists exactly what D1 holds");
    const listed = new Map<number, any>();
    for (const r of snap.apiReservations) {
      if (listed.has(r.id)) c.fail(`reservation ${r.id} listed twice`);
      listed.set(r.id, r);
    }
    for (const row of snap.d1Reservations) {
      const r = listed.get(row.id);
      if (!r) c.fail(`reservation ${row.id} is in D1 but not listed`);
      else if (r.status !== row.status || r.consultation_slot_id !== row.consultation_slot_id || r.nomor_antrian !== row.nomor_antrian) {
        c.fail(`reservation ${row.id}: listed ${JSON.stringify(r)}, D1 ${JSON.stringify(row)}`);
      }
    }
    if (listed.size !== snap.d1Reservations.length) c.fail(`listed ${listed.size}, D1 holds ${snap.d1Reservations.length}`);
    results.push(c.result);
  }
  {
    const c = new Check("kuota in D1 is the last kuota a client set");
    for (const s of snap.d1Slots) {
      const model = w.slotById.get(s.id);
      if (model && !model.kuotaUncertain && model.kuota !== s.kuota) c.fail(`slot ${s.id}: last set ${model.kuota}, D1 ${s.kuota}`);
      if (model && Boolean(s.ketersediaan) !== model.ketersediaan) c.fail(`slot ${s.id}: ketersediaan changed to ${s.ketersediaan} though nobody set it`);
    }
    results.push(c.result);
  }
  {
    const c = new Check("patients: D1 holds each patient's last edit; emails unique ignoring case");
    const byId = new Map(snap.d1Patients.map((p) => [p.id, p]));
    for (const p of w.patients) {
      const row = byId.get(p.id);
      if (!row) c.fail(`patient ${p.id} missing from D1`);
      else if (!p.uncertain && (row.nama !== p.nama || row.email !== p.email || row.nomor_telepon !== p.nomor_telepon)) {
        c.fail(`patient ${p.id}: last set ${JSON.stringify({ nama: p.nama, email: p.email, nomor_telepon: p.nomor_telepon })}, D1 ${JSON.stringify(row)}`);
      }
    }
    const emails = new Map<string, number>();
    for (const p of snap.d1Patients) {
      const other = emails.get(p.email.toLowerCase());
      if (other !== undefined) c.fail(`patients ${other} and ${p.id} share the email ${p.email.toLowerCase()}`);
      emails.set(p.email.toLowerCase(), p.id);
    }
    results.push(c.result);
  }

  // ------------------------------------------------------------ Idempotency-Key
  {
    const c = new Check(CHECK.idempotency);
    for (const record of w.keys.values()) {
      const same = record.answers.filter((a) => JSON.stringify(a.sent.body) === JSON.stringify(record.body) && !outcomeUnknown(a));
      const real = same.filter((a) => !a.replayed && (a.status === 201 || (a.status === 409 && a.code !== "idempotency_key_in_use")));
      const replays = same.filter((a) => a.replayed);
      if (real.length > 1) c.fail(`key ${record.key} was handled ${real.length} times: ${real.map(describe).join(" | ")}`);
      const reference = real[0] ?? replays[0];
      if (!reference) continue;
      for (const a of replays) {
        const matches =
          a.status === reference.status &&
          (a.status === 201 ? a.json?.id === reference.json?.id && a.json?.nomor_antrian === reference.json?.nomor_antrian : a.code === reference.code);
        if (!matches) c.fail(`key ${record.key}: replay ${describe(a)} differs from the first answer ${describe(reference)}`);
      }
      if (replays.length > 0 && real.length === 0 && !record.answers.some(outcomeUnknown)) {
        c.fail(`key ${record.key}: replayed, but no request with it was ever answered for real`);
      }
    }
    const live = findings.byCheck.get(CHECK.idempotency);
    if (live) {
      c.result.failures += live.count;
      c.result.examples.push(...live.examples);
    }
    results.push(c.result);
  }
  results.push(fromFindings(findings, CHECK.doubleCall));
  return results;
}
