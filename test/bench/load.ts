/**
 * Load-generation helpers for the benchmark: one autocannon run with a fixed
 * number of requests at a fixed concurrency, keeping every response's status,
 * latency and (when asked) body, plus a few small statistics helpers.
 *
 * Runs on Node 22 with type stripping: erasable TypeScript only.
 */
import autocannon from "autocannon";

export interface LoadOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:8790 */
  url: string;
  connections: number;
  amount: number;
  method?: "GET" | "POST";
  /** The path of request i (defaults to `path`). */
  path: string | ((i: number) => string);
  headers?: Record<string, string>;
  /** The JSON body of request i, if any. */
  body?: (i: number) => unknown;
  /** Keep every response body (the booking scenarios need them). */
  keepBodies?: boolean;
}

export interface ResponseRecord {
  /** Which request this was (0 … amount-1): decides its patient and slot. */
  i: number;
  status: number;
  latencyMs: number;
  /** When the response arrived, in ms since the run started. */
  doneAtMs: number;
  body?: string;
}

export interface LoadResult {
  requests: number;
  responses: ResponseRecord[];
  statusCounts: Record<string, number>;
  /** Connection errors, including timeouts (a request without a response). */
  errors: number;
  timeouts: number;
  /** From the first request sent to the last response received, in ms. */
  totalMs: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Filled in by the caller when it can: CPU ms the server's processes used during the run, by name and total. */
  serverCpuMs?: Record<string, number>;
  /** CPU ms this process (the load generator) used during the run. */
  clientCpuMs?: number;
}

/** Runs `amount` requests over `connections` keep-alive connections (one request in flight per connection). */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { url, connections, amount } = options;
  const method = options.method ?? "GET";
  const pathOf = typeof options.path === "function" ? options.path : () => options.path as string;
  const responses: ResponseRecord[] = [];
  let next = 0;
  let started = performance.now();

  const request = {
    method,
    // Called once per request sent, just before it is sent: request i gets index i.
    setupRequest: (req: Record<string, unknown>, context: { i?: number }) => {
      const i = next++;
      context.i = i;
      const built: Record<string, unknown> = { ...req, method, path: pathOf(i) };
      if (options.body) built.body = JSON.stringify(options.body(i));
      return built;
    },
    // Called with the body before the instance's "response" event for the same response.
    onResponse: (status: number, body: string, context: { i?: number }) => {
      const record: ResponseRecord = { i: context.i ?? -1, status, latencyMs: NaN, doneAtMs: performance.now() - started };
      if (options.keepBodies) record.body = body;
      responses.push(record);
    },
  };

  started = performance.now();
  const instance = autocannon({
    url,
    connections,
    amount,
    pipelining: 1,
    // autocannon only notices the end at its next sampling tick (1 s by default); the
    // total time is taken from the last response anyway, this just ends the run promptly.
    sampleInt: 50,
    // Generous: a timed-out request would be re-sent by autocannon as a new one.
    timeout: 120,
    headers: { "content-type": "application/json", ...(options.headers ?? {}) },
    requests: [request],
  });
  instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    // autocannon calls onResponse (above) synchronously right before this event, for the same response.
    const last = responses[responses.length - 1];
    if (last && Number.isNaN(last.latencyMs)) last.latencyMs = responseTime;
  });
  const result = await new Promise<{ errors: number; timeouts: number }>((resolve, reject) => {
    instance.on("done", resolve);
    instance.on("error", reject);
  });
  // From the first request sent to the last response received (not to autocannon's "done").
  const totalMs = responses.length > 0 ? Math.max(...responses.map((r) => r.doneAtMs)) : performance.now() - started;

  const statusCounts: Record<string, number> = {};
  for (const r of responses) statusCounts[r.status] = (statusCounts[r.status] ?? 0) + 1;
  const latencies = responses.map((r) => r.latencyMs).filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return {
    requests: amount,
    responses,
    statusCounts,
    errors: result.errors,
    timeouts: result.timeouts,
    totalMs,
    reqPerSec: (responses.length / totalMs) * 1000,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? NaN,
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Runs `task` over `items` with at most `limit` in flight; results keep the items' order. */
export async function mapLimit<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let cursor = 0;
  const worker = async () => {
    while (cursor < items.length) {
      const index = cursor++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
