/**
 * What the benchmark scripts share: a local server on a fresh temporary state
 * directory that is always stopped (also on error, SIGINT, SIGTERM and after a
 * deadline), an API client for setup and checks, and data creation through the API.
 *
 * Runs on Node 22 with type stripping: erasable TypeScript only.
 */
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT, applyMigrations, devToken, isPortInUse, ensureDevVars, startServer, type LocalServer } from "../../seed/local.ts";
import { mapLimit } from "./load.ts";

/** Ours to use; other people use 8000 and 8795–8799. */
export const PORTS = [8790, 8791, 8792, 8793, 8794];
export const RESULTS_DIR = path.join(ROOT, "test", "bench", "results");
export const SETUP_CONCURRENCY = 50;

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return n;
}

// ---------------------------------------------------------------- server lifecycle

let stateDir: string | null = null;
let starting: Promise<LocalServer> | null = null;
let cleanup: Promise<void> | null = null;

/** Stops the server (its whole process group) and removes the temporary state; safe to call twice. */
export function stopEverything(): Promise<void> {
  cleanup ??= (async () => {
    let server: LocalServer | null = null;
    try {
      server = starting ? await starting : null;
    } catch {
      // startServer stops its own process when it fails
    }
    if (server) {
      await server.stop();
      // Whatever is left of wrangler and workerd after SIGTERM: its own process group only.
      try {
        process.kill(-server.process.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  })();
  return cleanup;
}

/** Set once a signal or the deadline ended the run: the exit code it asks for. */
let interruptedWith: number | null = null;

function exitAfterCleanup(code: number, why: string): void {
  if (interruptedWith !== null) return;
  interruptedWith = code;
  log(why);
  void stopEverything().finally(() => process.exit(code));
}

/** SIGINT, SIGTERM and a deadline all stop the server before exiting. */
export function installExitHandlers(deadlineMs: number): void {
  process.on("SIGINT", () => exitAfterCleanup(130, "interrupted: stopping the server"));
  process.on("SIGTERM", () => exitAfterCleanup(143, "terminated: stopping the server"));
  setTimeout(() => exitAfterCleanup(2, `gave up after ${Math.round(deadlineMs / 1000)} s`), deadlineMs).unref();
}

/** Runs `main`, always stops the server afterwards, and exits with its code (1 if it threw). */
export async function runAndExit(main: () => Promise<number>): Promise<never> {
  let exitCode = 1;
  try {
    exitCode = await main();
  } catch (error) {
    // Requests fail once an interruption has stopped the server: that is not worth a stack trace.
    if (interruptedWith === null) log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    exitCode = 1;
  } finally {
    if (interruptedWith === null) log("stopping the server");
    await stopEverything();
  }
  process.exit(interruptedWith ?? exitCode);
}


async function choosePort(requested: number | undefined): Promise<number> {
  if (requested !== undefined) return requested;
  for (const port of PORTS) if (!(await isPortInUse(port))) return port;
  throw new Error(`ports ${PORTS.join(", ")} are all in use`);
}


export interface BenchServer {
  base: string;
  /** CPU time (user + system, ms) used so far by the server's processes (wrangler's node and workerd), by name. */
  cpuMs(): Record<string, number>;
  token: string;
  api: Api;
  /** How often wrangler dev reloaded the worker so far (a watched file changed). */
  reloads(): number;
  /** The server's request-log lines (JSON) seen so far. */
  requestLogs(): RequestLogLine[];
}

export interface RequestLogLine {
  method: string;
  route: string;
  status: number;
  duration_ms: number;
}

/**
 * Starts `wrangler dev` (the same server `npm run dev` runs) on a fresh
 * temporary state directory with migrations applied and RATE_LIMIT=off. Its
 * output goes to test/bench/results/<logName>.
 */
export async function startBenchServer(options: { port?: number | undefined; logName: string }): Promise<BenchServer> {
  if (ensureDevVars()) log("created .dev.vars from .dev.vars.example");
  const token = devToken();
  if (!token) throw new Error(".dev.vars has no API_TOKENS");
  const port = await choosePort(options.port);
  stateDir = mkdtempSync(path.join(os.tmpdir(), "antrian-bench-"));
  log(`fresh state in ${stateDir}; applying migrations`);
  applyMigrations({ persistTo: stateDir }, { quiet: true });
  log(`starting wrangler dev on 127.0.0.1:${port} (RATE_LIMIT=off)`);
  starting = startServer({ port, persistTo: stateDir, vars: { RATE_LIMIT: "off" } });
  const server = await starting;

  mkdirSync(RESULTS_DIR, { recursive: true });
  const serverLog = createWriteStream(path.join(RESULTS_DIR, options.logName));
  // wrangler dev reloads the worker whenever a file it watches changes (someone editing src/
  // during the run): requests in flight then fail with 5xx, so reloads are counted and reported.
  let reloads = 0;
  const logs: RequestLogLine[] = [];
  let pending = "";
  const watchOutput = (chunk: Buffer) => {
    serverLog.write(chunk);
    const lines = (pending + chunk.toString()).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (line.includes("Reloading local server")) reloads++;
      const json = line.indexOf('{"level"');
      if (json >= 0 && line.includes('"type":"request"')) {
        try {
          logs.push(JSON.parse(line.slice(json)) as RequestLogLine);
        } catch {
          // a line cut short; ignore
        }
      }
    }
  };
  server.process.stdout?.on("data", watchOutput);
  server.process.stderr?.on("data", watchOutput);
  const group = server.process.pid!;
  return {
    base: server.url,
    token,
    api: apiClient(server.url, token),
    reloads: () => reloads,
    requestLogs: () => logs,
    cpuMs: () => processGroupCpuMs(group),
  };
}

// ---------------------------------------------------------------- API client for setup and checks

export interface Api {
  (method: string, route: string, body?: unknown): Promise<{ status: number; json: any }>;
}

export function apiClient(base: string, token: string): Api {
  return async (method, route, body) => {
    const response = await fetch(base + route, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : null };
  };
}

export async function expectStatus(api: Api, status: number, method: string, route: string, body?: unknown): Promise<any> {
  const answer = await api(method, route, body);
  if (answer.status !== status) {
    throw new Error(`${method} ${route} answered ${answer.status}, expected ${status}: ${JSON.stringify(answer.json)}`);
  }
  return answer.json;
}

/** A date `days` ahead (UTC calendar), far enough that no slot is in the past. */
export function dateAhead(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

function clock(minutes: number): string {
  const m = minutes % (24 * 60);
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

/** `count` slots on one date, five minutes apart from `firstMinute`. */
export async function createSlots(api: Api, count: number, tanggal: string, kuota: number, firstMinute: number): Promise<number[]> {
  const indexes = Array.from({ length: count }, (_, i) => i);
  const slots = await mapLimit(indexes, SETUP_CONCURRENCY, (i) =>
    expectStatus(api, 201, "POST", "/consultation-slots", {
      tanggal,
      waktu: clock(firstMinute + i * 5),
      kuota,
      ketersediaan: true,
      durasi_menit: 10,
    }),
  );
  return slots.map((s) => s.id as number);
}

/** `count` distinct patients, SETUP_CONCURRENCY at a time. */
export async function createPatients(api: Api, count: number): Promise<number[]> {
  const runTag = Date.now().toString(36);
  const indexes = Array.from({ length: count }, (_, i) => i);
  let done = 0;
  return mapLimit(indexes, SETUP_CONCURRENCY, async (i) => {
    const patient = await expectStatus(api, 201, "POST", "/patients", {
      nama: `Pasien Bench ${i + 1}`,
      email: `bench-${runTag}-${i + 1}@example.test`,
      nomor_telepon: `0812${String(10_000_000 + i).slice(-8)}`,
    });
    if (++done % 1000 === 0) log(`  ${done}/${count} patients`);
    return patient.id as number;
  });
}

/** Every reservation of a slot, through the API, page by page (limit 100). */
export async function reservationsOfSlot(api: Api, slotId: number): Promise<{ total: number; rows: any[] }> {
  const rows: any[] = [];
  let total = 0;
  for (let offset = 0; ; offset += 100) {
    const page = await expectStatus(api, 200, "GET", `/reservations?consultation_slot_id=${slotId}&limit=100&offset=${offset}`);
    total = page.total;
    rows.push(...page.data);
    if (page.data.length === 0 || rows.length >= total) break;
  }
  return { total, rows };
}

/** Linux only (else empty): CPU ms of every live process in a process group, summed by command name. */
const TICK_MS = 10; // USER_HZ is 100 on Linux
export function processGroupCpuMs(group: number): Record<string, number> {
  const byName: Record<string, number> = {};
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return byName;
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      // fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
      if (Number(fields[2]) !== group) continue;
      const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      byName[name] = (byName[name] ?? 0) + ms;
    } catch {
      // the process ended meanwhile
    }
  }
  return byName;
}

/** CPU ms used between two `cpuMs()` readings, by name and in total. */
export function cpuBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const used: Record<string, number> = {};
  let total = 0;
  for (const [name, ms] of Object.entries(after)) {
    const delta = ms - (before[name] ?? 0);
    used[name] = delta;
    total += delta;
  }
  used.total = total;
  return used;
}
