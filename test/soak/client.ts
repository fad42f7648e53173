/**
 * The soak run's HTTP client and bookkeeping: every request goes through
 * `call()`, which bounds it in time, parses the answer, and records its status
 * (with the problem `code`) per operation; `Findings` collects what broke,
 * per check, with a few examples each.
 *
 * Runs on Node 22 with type stripping: erasable TypeScript only.
 */

export interface Sent {
  method: string;
  path: string;
  body?: unknown;
  key?: string | undefined;
}

export interface Answer {
  op: string;
  sent: Sent;
  /** 0 when no answer came (timeout or connection error). */
  status: number;
  error: string | null;
  text: string;
  json: any;
  /** The problem document's `code`, for error answers. */
  code: string | null;
  requestId: string | null;
  replayed: boolean;
  /** When it was sent (Date.now()) and how long it took. */
  at: number;
  ms: number;
}

/** No answer, or a 5xx: the request may or may not have taken effect. */
export function outcomeUnknown(a: Answer): boolean {
  return a.status === 0 || a.status >= 500;
}

export type Call = (op: string, method: string, path: string, options?: { body?: unknown; key?: string | undefined; auth?: boolean }) => Promise<Answer>;

/** One line a person can act on: the request, the answer, and its X-Request-Id. */
export function describe(a: Answer): string {
  const key = a.sent.key !== undefined ? ` [Idempotency-Key: ${a.sent.key}]` : "";
  const body = a.sent.body !== undefined ? ` ${JSON.stringify(a.sent.body)}` : "";
  const answer =
    a.status === 0
      ? `no answer (${a.error}) after ${Math.round(a.ms)} ms`
      : `${a.status}${a.replayed ? " (Idempotent-Replayed)" : ""} ${a.text.slice(0, 600)}`;
  return `${a.sent.method} ${a.sent.path}${key}${body} → ${answer} (X-Request-Id: ${a.requestId ?? "none"})`;
}

const EXAMPLES_PER_CHECK = 12;

/** What went wrong, per check: a count and the first few examples. */
export class Findings {
  byCheck = new Map<string, { count: number; examples: string[] }>();

  add(check: string, message: string): void {
    let entry = this.byCheck.get(check);
    if (!entry) {
      entry = { count: 0, examples: [] };
      this.byCheck.set(check, entry);
    }
    entry.count += 1;
    if (entry.examples.length < EXAMPLES_PER_CHECK) entry.examples.push(message);
  }

  count(check: string): number {
    return this.byCheck.get(check)?.count ?? 0;
  }

  total(): number {
    let n = 0;
    for (const entry of this.byCheck.values()) n += entry.count;
    return n;
  }
}

/** Per-operation status counts and latencies; every 5xx and every unanswered request, kept whole. */
export class Recorder {
  counts = new Map<string, Map<string, number>>();
  latencies = new Map<string, number[]>();
  serverErrors: Answer[] = [];
  unanswered: Answer[] = [];
  total = 0;
  /** Only requests made while `measuring` is on count towards the workload's statistics. */
  measuring = false;

  record(a: Answer): void {
    if (a.status >= 500) this.serverErrors.push(a);
    if (a.status === 0) this.unanswered.push(a);
    if (!this.measuring) return;
    this.total += 1;
    const label =
      a.status === 0 ? `no answer (${a.error})` : `${a.status}${a.code ? ` ${a.code}` : ""}${a.replayed ? " replayed" : ""}`;
    let perOp = this.counts.get(a.op);
    if (!perOp) this.counts.set(a.op, (perOp = new Map()));
    perOp.set(label, (perOp.get(label) ?? 0) + 1);
    let times = this.latencies.get(a.op);
    if (!times) this.latencies.set(a.op, (times = []));
    times.push(a.ms);
  }
}

export function makeClient(base: string, token: string, timeoutMs: number, recorder: Recorder): Call {
  return async (op, method, path, options = {}) => {
    const headers: Record<string, string> = {};
    if (options.auth !== false) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    if (options.key !== undefined) headers["idempotency-key"] = options.key;
    const sent: Sent = { method, path, body: options.body, key: options.key };
    const started = performance.now();
    const answer: Answer = {
      op,
      sent,
      status: 0,
      error: null,
      text: "",
      json: null,
      code: null,
      requestId: null,
      replayed: false,
      at: Date.now(),
      ms: 0,
    };
    try {
      const response = await fetch(base + path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      answer.requestId = response.headers.get("x-request-id");
      answer.replayed = response.headers.get("idempotent-replayed") === "true";
      answer.text = await response.text();
      answer.status = response.status;
      if (answer.text) {
        try {
          answer.json = JSON.parse(answer.text);
        } catch {
          answer.json = null;
        }
      }
      if (response.status >= 400 && answer.json && typeof answer.json.code === "string") answer.code = answer.json.code;
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      answer.status = 0;
      answer.error = e.name === "TimeoutError" ? `timeout after ${timeoutMs} ms` : `${e.name}: ${e.cause?.code ?? e.message}`;
    }
    answer.ms = performance.now() - started;
    recorder.record(answer);
    return answer;
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}
