/**
 * `node test/bench/diagnose.ts`: where a booking's time goes, to explain the
 * figures of `npm run bench`. Same server, fresh state, RATE_LIMIT=off.
 *
 *   A. One request at a time (no contention): /health (worker + a trivial D1
 *      query), one slot, a refused booking (worker → slot object → answered
 *      from memory, no D1), a successful booking (plus the object's D1 batch
 *      and the worker's describe batch), one reservation (find + describe).
 *      Client latency and the worker's own duration_ms from its request log.
 *   B. The hot-slot burst at several concurrencies: how long the 100 places
 *      take to go (the object writes them one at a time) and how fast the
 *      refusals after that are.
 *   C. Bookings spread over 200 slots whose objects are new (first use: the
 *      object is created and loads its slot from D1) against 200 slots whose
 *      objects are already loaded, at 100 connections; server CPU per request.
 *
 * Options: --port, --sequential 300, --burst 1000, --concurrency 1,10,50,100, --spread 1000
 * Writes test/bench/results/diagnose.json. Runs on Node 22 with type stripping.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  RESULTS_DIR,
  cpuBetween,
  createPatients,
  createSlots,
  dateAhead,
  expectStatus,
  installExitHandlers,
  log,
  positiveInt,
  runAndExit,
  startBenchServer,
  type BenchServer,
} from "./harness.ts";
import { percentile, runLoad, type LoadOptions } from "./load.ts";

const { values: args } = parseArgs({
  options: {
    port: { type: "string" },
    sequential: { type: "string", default: "300" },
    burst: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "1,10,50,100" },
    spread: { type: "string", default: "1000" },
  },
});
const SEQUENTIAL = positiveInt(args.sequential!, "--sequential");
const BURST = positiveInt(args.burst!, "--burst");
const CONCURRENCIES = args.concurrency!.split(",").map((c) => positiveInt(c.trim(), "--concurrency"));
const KUOTA = 100;
const SPREAD = positiveInt(args.spread!, "--spread");
const SPREAD_SLOTS = 200;

installExitHandlers(10 * 60_000);

function mean(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One load run plus the worker's own durations (its request log) for the same requests. */
async function measured(server: BenchServer, options: LoadOptions, route: string) {
  const before = server.requestLogs().length;
  const cpuBefore = server.cpuMs();
  const result = await runLoad(options);
  const cpu = cpuBetween(cpuBefore, server.cpuMs());
  await sleep(1500); // the log lines trail the responses a little
  const method = options.method ?? "GET";
  const worker = server
    .requestLogs()
    .slice(before)
    .filter((l) => l.method === method && l.route === route)
    .map((l) => l.duration_ms)
    .sort((a, b) => a - b);
  const client = result.responses.map((r) => r.latencyMs).sort((a, b) => a - b);
  return {
    statuses: result.statusCounts,
    clientMeanMs: round(mean(client)),
    clientP50Ms: round(percentile(client, 50)),
    clientP99Ms: round(percentile(client, 99)),
    workerMeanMs: round(mean(worker)),
    workerP50Ms: round(percentile(worker, 50)),
    workerLogLines: worker.length,
    reqPerSec: round(result.reqPerSec),
    serverCpuMsPerRequest: round(cpu.total! / result.requests),
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

async function main(): Promise<number> {
  const server = await startBenchServer({
    port: args.port === undefined ? undefined : positiveInt(args.port, "--port"),
    logName: "diagnose-server.log",
  });
  const { base, token, api } = server;
  const auth = { authorization: `Bearer ${token}` };

  log("setup");
  const date = dateAhead(40);
  const [roomy, full, warm] = await createSlots(api, 3, date, 1000, 8 * 60);
  const sweepSlots = await createSlots(api, CONCURRENCIES.length, dateAhead(41), KUOTA, 8 * 60);
  await expectStatus(api, 200, "PATCH", `/consultation-slots/${full}`, { kuota: 1 });
  const freshSlots = await createSlots(api, SPREAD_SLOTS, dateAhead(42), 1000, 0);
  const loadedSlots = await createSlots(api, SPREAD_SLOTS, dateAhead(43), 1000, 0);
  const patients = await createPatients(api, Math.max(BURST, SPREAD, 2 * SEQUENTIAL + 1));
  await expectStatus(api, 201, "POST", "/reservations", { patient_id: patients[0], consultation_slot_id: full });
  const oneReservation = await expectStatus(api, 201, "POST", "/reservations", { patient_id: patients[0], consultation_slot_id: warm });

  const seq = (extra: Omit<LoadOptions, "url" | "connections" | "amount">): LoadOptions => ({
    url: base,
    connections: 1,
    amount: SEQUENTIAL,
    ...extra,
  });
  log("warming up");
  await runLoad({ ...seq({ path: "/health" }), amount: 50 });
  await runLoad({
    ...seq({
      method: "POST",
      path: "/reservations",
      headers: auth,
      body: (i) => ({ patient_id: patients[1 + SEQUENTIAL + i], consultation_slot_id: warm }),
    }),
    amount: 50,
  });

  log(`A. one request at a time, ${SEQUENTIAL} of each`);
  const sequential = {
    health: await measured(server, seq({ path: "/health" }), "/health"),
    oneSlot: await measured(server, seq({ path: `/consultation-slots/${roomy}` }), "/consultation-slots/:id"),
    refusedBooking: await measured(
      server,
      seq({
        method: "POST",
        path: "/reservations",
        headers: auth,
        body: (i) => ({ patient_id: patients[1 + i], consultation_slot_id: full }),
      }),
      "/reservations",
    ),
    successfulBooking: await measured(
      server,
      seq({
        method: "POST",
        path: "/reservations",
        headers: auth,
        body: (i) => ({ patient_id: patients[1 + i], consultation_slot_id: roomy }),
      }),
      "/reservations",
    ),
    oneReservation: await measured(
      server,
      seq({ path: `/reservations/${oneReservation.id}`, headers: auth }),
      "/reservations/:id",
    ),
  };

  log(`B. the burst (${BURST} attempts, kuota ${KUOTA}) at concurrency ${CONCURRENCIES.join(", ")}`);
  const sweep = [];
  for (const [index, connections] of CONCURRENCIES.entries()) {
    const slot = sweepSlots[index]!;
    const result = await runLoad({
      url: base,
      connections,
      amount: BURST,
      method: "POST",
      path: "/reservations",
      headers: auth,
      body: (i) => ({ patient_id: patients[i], consultation_slot_id: slot }),
    });
    const wins = result.responses.filter((r) => r.status === 201);
    const fillMs = Math.max(0, ...wins.map((r) => r.doneAtMs));
    const after = result.responses.filter((r) => r.doneAtMs > fillMs).length;
    sweep.push({
      connections,
      statuses: result.statusCounts,
      totalMs: round(result.totalMs),
      fullAfterMs: round(fillMs),
      msPerSerialisedBooking: round(fillMs / Math.max(1, wins.length)),
      refusalsAfterFull: after,
      refusalsPerSecAfterFull: round((after / Math.max(1, result.totalMs - fillMs)) * 1000),
      p50Ms: round(result.p50Ms),
      p99Ms: round(result.p99Ms),
    });
  }

  log(`C. ${SPREAD} bookings over ${SPREAD_SLOTS} slots: new objects, then objects already loaded`);
  // Loading an object without booking: a patient that does not exist is refused (422) after the object loaded its slot.
  await runLoad({
    url: base,
    connections: 20,
    amount: SPREAD_SLOTS,
    method: "POST",
    path: "/reservations",
    headers: auth,
    body: (i) => ({ patient_id: 999_999_999, consultation_slot_id: loadedSlots[i] }),
  });
  const spreadOver = async (slots: number[]) => {
    const cpuBefore = server.cpuMs();
    const result = await runLoad({
      url: base,
      connections: 100,
      amount: SPREAD,
      method: "POST",
      path: "/reservations",
      headers: auth,
      body: (i) => ({ patient_id: patients[i], consultation_slot_id: slots[i % SPREAD_SLOTS] }),
    });
    const cpu = cpuBetween(cpuBefore, server.cpuMs());
    return {
      statuses: result.statusCounts,
      totalMs: round(result.totalMs),
      reqPerSec: round(result.reqPerSec),
      p50Ms: round(result.p50Ms),
      p99Ms: round(result.p99Ms),
      serverCpuMsPerRequest: round(cpu.total! / result.requests),
    };
  };
  const spread = { newObjects: await spreadOver(freshSlots), loadedObjects: await spreadOver(loadedSlots) };
  const healthAt100 = await measured(server, { url: base, connections: 100, amount: SPREAD, path: "/health" }, "/health");

  console.log("");
  console.log("A. one request at a time (ms): client mean / p50 / p99, worker mean (its request log)");
  for (const [name, m] of Object.entries(sequential)) {
    console.log(
      `  ${name.padEnd(18)} ${JSON.stringify(m.statuses).padEnd(14)} client ${String(m.clientMeanMs).padStart(6)} / ${String(m.clientP50Ms).padStart(6)} / ${String(m.clientP99Ms).padStart(6)}   worker ${String(m.workerMeanMs).padStart(6)}   ${m.reqPerSec} req/s   server CPU ${m.serverCpuMsPerRequest} ms/req`,
    );
  }
  console.log("");
  console.log(`B. burst of ${BURST} on one slot with kuota ${KUOTA}`);
  for (const s of sweep) {
    console.log(
      `  ${String(s.connections).padStart(3)} connections: ${JSON.stringify(s.statuses)} total ${s.totalMs} ms; full after ${s.fullAfterMs} ms = ${s.msPerSerialisedBooking} ms per booking; then ${s.refusalsAfterFull} refusals at ${s.refusalsPerSecAfterFull}/s; p50 ${s.p50Ms} p99 ${s.p99Ms}`,
    );
  }
  console.log("");
  console.log(`C. ${SPREAD} bookings over ${SPREAD_SLOTS} slots at 100 connections (and ${SPREAD} × /health at 100 for scale)`);
  for (const [name, m] of Object.entries({ ...spread, health: healthAt100 })) {
    console.log(`  ${name.padEnd(14)} ${JSON.stringify(m.statuses).padEnd(14)} ${m.reqPerSec} req/s, p50 ${"p50Ms" in m ? m.p50Ms : m.clientP50Ms} ms, server CPU ${m.serverCpuMsPerRequest} ms/request`);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = path.join(RESULTS_DIR, "diagnose.json");
  writeFileSync(out, JSON.stringify({ finishedAt: new Date().toISOString(), reloads: server.reloads(), sequential, sweep, spread, healthAt100 }, null, 2) + "\n");
  console.log(`\nresults: ${path.relative(process.cwd(), out)}${server.reloads() > 0 ? `  (WARNING: ${server.reloads()} reloads of the worker during the run)` : ""}`);
  return 0;
}

await runAndExit(main);
