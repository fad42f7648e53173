/**
 * `npm run soak`: a mixed workload against the real local server for a while,
 * then SPEC §5's invariants checked against D1, the API and what the clients
 * were told.
 *
 * Starts the same server `npm run dev` runs (`wrangler dev` with this project's
 * wrangler.toml) on a fresh temporary state directory with RATE_LIMIT=off,
 * creates patients and slots (small kuota, so they fill up; two closed, one in
 * the past) through the API, then for --duration seconds runs --concurrency
 * workers, each picking operations at random: slot/reservation/queue reads,
 * bookings (with and without Idempotency-Key, double clicks, retries, reused
 * keys), cancels and other status changes (invalid ones on purpose), moves,
 * deletes, patient edits (email clashes on purpose), queue calls and kuota
 * changes. Every request is bounded in time and every answer is checked
 * against the contract. Afterwards it reads every slot and its queue and
 * every page of reservations through the API, stops the server, reads D1 and
 * prints per-operation status counts, the invariants (PASS/FAIL each) and the
 * RSS of the server's workerd processes at the start and the end.
 *
 * Exits 1 on any 5xx, unanswered request, unexpected answer or broken
 * invariant (keeping the state directory and the server log for a look), 2 if
 * it could not run, 130 on Ctrl-C. It always stops the server.
 *
 * Options: --duration 60 (s)  --concurrency 32  --patients 300  --slots 30
 *          --timeout 20 (s per request)  --seed N  --port 8799  --keep (keep the state dir)
 *
 * Runs on Node 22 with type stripping (`node test/soak/soak.ts`): erasable TypeScript only.
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, type WriteStream } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT, applyMigrations, devToken, isPortInUse, d1Execute, ensureDevVars, startServer, type LocalServer } from "../../seed/local.ts";
import { describe, Findings, makeClient, percentile, Recorder, type Answer, type Call } from "./client.ts";
import { checkEverything, type CheckResult, type D1Patient, type D1Reservation, type D1Slot, type Snapshot } from "./invariants.ts";
import { pickOperation, seededRng, World, type PatientModel } from "./workload.ts";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "60" },
    concurrency: { type: "string", default: "32" },
    patients: { type: "string", default: "300" },
    slots: { type: "string", default: "30" },
    timeout: { type: "string", default: "20" },
    seed: { type: "string" },
    port: { type: "string", default: "8799" },
    keep: { type: "boolean", default: false },
  },
});

function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`${name} must be a positive integer, got ${value}\n`);
    process.exit(2);
  }
  return n;
}

const DURATION_S = positiveInt(args.duration!, "--duration");
const CONCURRENCY = positiveInt(args.concurrency!, "--concurrency");
const PATIENTS = positiveInt(args.patients!, "--patients");
const SLOTS = positiveInt(args.slots!, "--slots");
const TIMEOUT_MS = positiveInt(args.timeout!, "--timeout") * 1000;
const PORT = positiveInt(args.port!, "--port");
const SEED = args.seed !== undefined ? positiveInt(args.seed, "--seed") : Math.floor(Math.random() * 1_000_000) + 1;
const SETUP_CONCURRENCY = 16;
/** The whole run stops by itself after this, whatever happens. */
const DEADLINE_MS = (DURATION_S + 15 * 60) * 1000;

function log(message: string): void {
  process.stderr.write(`[soak] ${message}\n`);
}

function out(line = ""): void {
  process.stdout.write(`${line}\n`);
}

// ---------------------------------------------------------------- server lifecycle

let stateDir: string | null = null;
let server: LocalServer | null = null;
let starting: Promise<LocalServer> | null = null;
let serverLog: WriteStream | null = null;
let keepState = args.keep!;
let stopping = false;
let cleanup: Promise<void> | null = null;

/** Recent server output, to show next to a 5xx (the server logs each with its request id). */
const serverLines: string[] = [];

/**
 * `wrangler dev` rebuilds and restarts the worker when a source file changes
 * (there is no flag to stop it watching). Someone editing src/ during a run
 * makes in-flight requests fail with wrangler's own 503 "Your worker restarted
 * mid-request": such a run is reported as not clean, and its 5xx marked.
 */
const reloads: { start: number; end: number | null }[] = [];

function duringReload(a: Answer): boolean {
  const margin = 2000;
  return reloads.some((r) => a.at <= (r.end ?? Date.now()) + margin && a.at + a.ms >= r.start - margin);
}

async function stopServer(): Promise<void> {
  let s: LocalServer | null = server;
  try {
    s ??= starting ? await starting : null;
  } catch {
    // startServer stops its own process when it fails
  }
  if (!s) return;
  await s.stop();
  // Whatever is left of wrangler and workerd after SIGTERM: its process group only.
  try {
    process.kill(-s.process.pid!, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Stops the server and removes (or keeps) the temporary state; safe to call twice. */
function stopEverything(): Promise<void> {
  cleanup ??= (async () => {
    stopping = true;
    await stopServer();
    await new Promise<void>((resolve) => (serverLog ? serverLog.end(resolve) : resolve()));
    if (stateDir && existsSync(stateDir)) {
      if (keepState) log(`state kept in ${stateDir} (server log: ${path.join(stateDir, "soak-server.log")})`);
      else rmSync(stateDir, { recursive: true, force: true });
    }
  })();
  return cleanup;
}

function exitAfterCleanup(code: number, why: string): void {
  log(why);
  void stopEverything().finally(() => process.exit(code));
}

process.on("SIGINT", () => exitAfterCleanup(130, "interrupted: stopping the server"));
process.on("SIGTERM", () => exitAfterCleanup(143, "terminated: stopping the server"));
setTimeout(() => exitAfterCleanup(2, `gave up after ${Math.round(DEADLINE_MS / 60_000)} minutes`), DEADLINE_MS).unref();



function captureServerOutput(s: LocalServer, file: string): void {
  serverLog = createWriteStream(file);
  let partial = "";
  const onData = (chunk: Buffer) => {
    serverLog?.write(chunk);
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line.includes("Reloading local server")) reloads.push({ start: Date.now(), end: null });
      if (line.includes("Local server updated and ready") && reloads.length > 0) reloads.at(-1)!.end ??= Date.now();
      serverLines.push(line);
      if (serverLines.length > 20_000) serverLines.splice(0, 5_000);
    }
  };
  s.process.stdout?.on("data", onData);
  s.process.stderr?.on("data", onData);
}

// ---------------------------------------------------------------- memory of the server's processes

interface ProcessInfo {
  pid: number;
  ppid: number;
  rssKb: number;
  args: string;
}

/** The process tree under `rootPid` (itself included), from `ps`. */
function processTree(rootPid: number): ProcessInfo[] {
  const ps = spawnSync("ps", ["-e", "-o", "pid=,ppid=,rss=,args="], { encoding: "utf8" });
  const all: ProcessInfo[] = [];
  for (const line of ps.stdout.split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m) all.push({ pid: Number(m[1]), ppid: Number(m[2]), rssKb: Number(m[3]), args: m[4]! });
  }
  const tree: ProcessInfo[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    const p = all.find((x) => x.pid === pid);
    if (p) tree.push(p);
    for (const child of all.filter((x) => x.ppid === pid)) queue.push(child.pid);
  }
  return tree;
}

interface MemorySample {
  label: string;
  workerdKb: number;
  /** Each workerd process: pid and RSS. */
  workerd: { pid: number; rssKb: number }[];
  wranglerKb: number;
}

function sampleMemory(label: string): MemorySample | null {
  if (!server?.process.pid) return null;
  const tree = processTree(server.process.pid);
  const workerd = tree.filter((p) => path.basename(p.args.split(" ")[0] ?? "") === "workerd");
  return {
    label,
    workerdKb: workerd.reduce((sum, p) => sum + p.rssKb, 0),
    workerd: workerd.map((p) => ({ pid: p.pid, rssKb: p.rssKb })),
    wranglerKb: tree.filter((p) => !workerd.includes(p)).reduce((sum, p) => sum + p.rssKb, 0),
  };
}

const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;

// ---------------------------------------------------------------- setup through the API

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length && !stopping) {
        const i = next++;
        results[i] = await fn(items[i]!, i);
      }
    }),
  );
  return results;
}

function expectCreated(a: Answer): any {
  if (a.status !== 201) throw new Error(`setup failed: ${describe(a)}`);
  return a.json;
}

/** Today in the clinic's time zone, shifted by `days`, as YYYY-MM-DD. */
function clinicDate(days: number): string {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Jakarta", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  const date = new Date(`${today}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

async function createBase(w: World, call: Call): Promise<void> {
  const phones = ["081234567890", "+6281298765432", "0857-1234-5678", "+62 813 1111 2222"];
  const patients = await mapLimit(Array.from({ length: PATIENTS }, (_, i) => i), SETUP_CONCURRENCY, async (i) => {
    const body = { nama: `Pasien Soak ${i + 1}`, email: `soak.${w.runId}.${i + 1}@example.co.id`, nomor_telepon: phones[i % phones.length]! };
    return expectCreated(await call("setup_patient", "POST", "/patients", { body }));
  });
  for (const p of patients) {
    const model: PatientModel = { id: p.id, nama: p.nama, email: p.email, nomor_telepon: p.nomor_telepon, busy: false, uncertain: false };
    w.patients.push(model);
  }
  const specs: { tanggal: string; waktu: string; kuota: number; ketersediaan: boolean; past: boolean }[] = [];
  for (let i = 0; i < SLOTS; i++) {
    const hour = 8 + (Math.floor(i / 7) % 10);
    specs.push({ tanggal: clinicDate(2 + (i % 7)), waktu: `${String(hour).padStart(2, "0")}:${i % 2 === 0 ? "00" : "30"}`, kuota: w.int(5, 20), ketersediaan: true, past: false });
  }
  specs.push({ tanggal: clinicDate(3), waktu: "19:00", kuota: 10, ketersediaan: false, past: false });
  specs.push({ tanggal: clinicDate(5), waktu: "19:30", kuota: 10, ketersediaan: false, past: false });
  specs.push({ tanggal: clinicDate(-3), waktu: "09:00", kuota: 10, ketersediaan: true, past: true });
  const slots = await mapLimit(specs, SETUP_CONCURRENCY, async (spec) => {
    const { past, ...body } = spec;
    return { spec, json: expectCreated(await call("setup_slot", "POST", "/consultation-slots", { body: { ...body, durasi_menit: 10 } })) };
  });
  for (const { spec, json } of slots) {
    w.addSlot({
      id: json.id,
      tanggal: json.tanggal,
      waktu: json.waktu,
      kuota: json.kuota,
      baseKuota: json.kuota,
      ketersediaan: json.ketersediaan,
      past: spec.past,
      busy: false,
      kuotaUncertain: false,
      callsSent: 0,
      callUncertain: false,
      issueUncertain: false,
    });
  }
}

// ---------------------------------------------------------------- after the run

async function apiSnapshot(w: World, call: Call): Promise<Pick<Snapshot, "apiSlots" | "apiReservations">> {
  const apiSlots = new Map<number, { slot: Answer; queue: Answer }>();
  await mapLimit(w.slots, 8, async (s) => {
    const slot = await call("final_slot", "GET", `/consultation-slots/${s.id}`, { auth: false });
    const queue = await call("final_queue", "GET", `/consultation-slots/${s.id}/queue`, { auth: false });
    apiSlots.set(s.id, { slot, queue });
  });
  const apiReservations: any[] = [];
  for (let offset = 0; ; offset += 100) {
    const a = await call("final_list", "GET", `/reservations?limit=100&offset=${offset}`);
    if (a.status !== 200) throw new Error(`could not list reservations after the run: ${describe(a)}`);
    apiReservations.push(...a.json.data);
    if (a.json.data.length < 100 || offset + 100 >= a.json.total) break;
  }
  return { apiSlots, apiReservations };
}

function d1Snapshot(persistTo: string): Pick<Snapshot, "d1Slots" | "d1Reservations" | "d1Patients"> {
  const target = { persistTo };
  return {
    d1Slots: d1Execute(
      { command: "SELECT id, kuota, ketersediaan, nomor_terakhir, sedang_dilayani FROM consultation_slots ORDER BY id" },
      target,
    ) as unknown as D1Slot[],
    d1Reservations: d1Execute(
      { command: "SELECT id, patient_id, consultation_slot_id, nomor_antrian, status, called_at FROM reservations ORDER BY id" },
      target,
    ) as unknown as D1Reservation[],
    d1Patients: d1Execute({ command: "SELECT id, nama, email, nomor_telepon FROM patients ORDER BY id" }, target) as unknown as D1Patient[],
  };
}

// ---------------------------------------------------------------- the run

async function main(): Promise<number> {
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  out(`== Antrian soak: ${DURATION_S} s, ${CONCURRENCY} workers, seed ${SEED}, port ${PORT}`);
  if (ensureDevVars()) log("created .dev.vars from .dev.vars.example");
  const token = devToken();
  if (!token) throw new Error(".dev.vars has no API_TOKENS");
  if (await isPortInUse(PORT)) throw new Error(`port ${PORT} is in use; pass --port`);

  stateDir = mkdtempSync(path.join(os.tmpdir(), "antrian-soak-"));
  log(`state: ${stateDir}; applying migrations`);
  applyMigrations({ persistTo: stateDir }, { quiet: true });
  log("starting wrangler dev");
  starting = startServer({ port: PORT, persistTo: stateDir, vars: { RATE_LIMIT: "off" } });
  server = await starting;
  captureServerOutput(server, path.join(stateDir, "soak-server.log"));
  const memory: (MemorySample | null)[] = [sampleMemory("start (server ready)")];

  const recorder = new Recorder();
  const findings = new Findings();
  const call = makeClient(server.url, token, TIMEOUT_MS, recorder);
  const w = new World(call, findings, seededRng(SEED), runId);

  const setupStarted = performance.now();
  await createBase(w, call);
  const closed = w.slots.filter((s) => !s.ketersediaan).length;
  const past = w.slots.filter((s) => s.past).length;
  out(
    `setup: ${w.patients.length} patients, ${w.slots.length} slots (${w.slots.length - closed - past} open with kuota 5–20, ${closed} closed, ${past} in the past) in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`,
  );
  memory.push(sampleMemory("after setup"));

  // ------------------------------------------------------------ the workload
  recorder.measuring = true;
  const started = performance.now();
  const startedAt = Date.now();
  const stopAt = started + DURATION_S * 1000;
  const progress = setInterval(() => {
    const s = (performance.now() - started) / 1000;
    const sample = sampleMemory(`${s.toFixed(0)} s into the workload`);
    memory.push(sample);
    log(`${s.toFixed(0)} s: ${recorder.total} requests (${(recorder.total / s).toFixed(0)} req/s), 5xx ${recorder.serverErrors.length}, unanswered ${recorder.unanswered.length}, findings ${findings.total()}, reservations ${w.reservations.size}, workerd RSS ${sample ? mb(sample.workerdKb) : "?"}${reloads.length > 0 ? `, wrangler reloads ${reloads.length}` : ""}`);
  }, 10_000);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (!stopping && performance.now() < stopAt) {
        const op = pickOperation(w);
        try {
          await op(w);
        } catch (error) {
          findings.add("soak client error", (error as Error).stack ?? String(error));
        }
      }
    }),
  );
  clearInterval(progress);
  const elapsedS = (performance.now() - started) / 1000;
  recorder.measuring = false;
  memory.push(sampleMemory("end (workload done)"));
  if (stopping) return 130;

  // ------------------------------------------------------------ the final state, through the API then D1
  log("reading every slot, queue and reservation through the API");
  const api = await apiSnapshot(w, call);
  memory.push(sampleMemory("after the final reads"));
  log("stopping the server, reading D1");
  await stopServer();
  server = null;
  starting = null;
  const snapshot: Snapshot = { ...api, ...d1Snapshot(stateDir) };
  const results = checkEverything(w, snapshot, recorder, findings);
  const reloadCheck: CheckResult = {
    name: "the server ran the same code throughout (wrangler dev did not reload because a source file changed)",
    failures: reloads.length,
    examples: reloads.map(
      (r) =>
        `reload at ${((r.start - startedAt) / 1000).toFixed(1)} s into the workload: ${recorder.serverErrors.filter(duringReload).length} 5xx and ${recorder.unanswered.filter(duringReload).length} unanswered request(s) around it are wrangler's restart, not the app; rerun when nobody edits src/`,
    ),
  };
  results.unshift(reloadCheck);

  // ------------------------------------------------------------ report
  out();
  out("== Workload");
  out(
    `duration ${elapsedS.toFixed(1)} s, ${recorder.total} requests, ${(recorder.total / elapsedS).toFixed(1)} req/s, 5xx: ${recorder.serverErrors.length}, unanswered: ${recorder.unanswered.length}`,
  );
  out(`${"operation".padEnd(20)} ${"requests".padStart(8)} ${"p50 ms".padStart(7)} ${"p95 ms".padStart(7)} ${"max ms".padStart(7)}  statuses`);
  for (const [op, counts] of [...recorder.counts.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const times = [...(recorder.latencies.get(op) ?? [])].sort((a, b) => a - b);
    const statuses = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([label, n]) => `${label}: ${n}`).join(", ");
    out(
      `${op.padEnd(20)} ${String(times.length).padStart(8)} ${percentile(times, 50).toFixed(0).padStart(7)} ${percentile(times, 95).toFixed(0).padStart(7)} ${(times.at(-1) ?? NaN).toFixed(0).padStart(7)}  ${statuses}`,
    );
  }
  const byStatus = new Map<string, number>();
  for (const r of snapshot.d1Reservations) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  const deleted = [...w.reservations.values()].filter((r) => r.deleted).length;
  out();
  out("== Final state");
  out(
    `D1: ${snapshot.d1Reservations.length} reservations (${[...byStatus.entries()].map(([s, n]) => `${s} ${n}`).join(", ")}); clients saw ${w.reservations.size} created, ${deleted} deleted; ${w.issued.size} numbers issued; ${[...w.calls.values()].reduce((n, m) => n + m.size, 0)} patients called; ${w.keys.size} Idempotency-Keys`,
  );

  if (recorder.serverErrors.length > 0) {
    out();
    out(`== 5xx answers (${recorder.serverErrors.length})`);
    for (const a of recorder.serverErrors.slice(0, 30)) {
      out(`- ${duringReload(a) ? "[during a wrangler reload] " : ""}${describe(a)}`);
      const related = a.requestId ? serverLines.filter((l) => l.includes(a.requestId!)) : [];
      for (const line of related.slice(0, 5)) out(`    server: ${line.slice(0, 800)}`);
    }
  }

  out();
  out("== Invariants and checks");
  let failed = 0;
  for (const r of results) {
    if (r.failures > 0) failed += 1;
    out(`${r.failures > 0 ? "FAIL" : "PASS"}  ${r.name}${r.failures > 0 ? ` (${r.failures})` : ""}${r.note ? ` [${r.note}]` : ""}`);
    for (const example of r.examples) out(`        - ${example}`);
  }

  out();
  out("== Server memory (RSS of the workerd processes wrangler started; wrangler's own node process apart)");
  for (const m of memory) {
    if (!m) out("  (not sampled)");
    else {
      const each = m.workerd.map((p) => `pid ${p.pid}: ${mb(p.rssKb)}`).join(", ") || "no workerd process found";
      out(`  ${m.label.padEnd(24)} workerd ${mb(m.workerdKb).padStart(9)} (${each}); wrangler (node) ${mb(m.wranglerKb)}`);
    }
  }
  if (reloads.length > 0) out(`  (wrangler reloaded ${reloads.length} time(s) during the run and restarted workerd: the samples after it are of a fresh process)`);
  out();
  if (failed > 0) {
    keepState = true;
    out(`== Result: FAIL (${failed} of ${results.length} checks failed); state and server log kept in ${stateDir}`);
    return 1;
  }
  out(`== Result: PASS (${results.length} checks)`);
  return 0;
}

main()
  .then(
    async (code) => {
      await stopEverything();
      process.exit(code);
    },
    async (error: unknown) => {
      // Interrupted mid-setup: the signal handler is already cleaning up and will exit.
      if (stopping) return;
      log(`could not run: ${(error as Error).stack ?? String(error)}`);
      await stopEverything();
      process.exit(2);
    },
  );
