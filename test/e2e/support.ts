/**
 * Shared set-up for the end-to-end tests: a real `wrangler dev` server on a
 * fresh local database, and Debian's headless Chromium driven by playwright-core.
 *
 * Runs under `node --test` on Node 22 with type stripping: erasable TypeScript only.
 */
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page, type Request } from "playwright-core";
import { applyMigrations, ensureDevVars, ROOT, startServer, type LocalServer } from "../../seed/local.ts";

/** Ports reserved for the e2e tests (others use 8000 and 8790–8795). */
export const E2E_PORTS = { docs: 8796, display: 8797 } as const;

/** The token `.dev.vars.example` gives local development. */
export const DEV_TOKEN = "dev-token";

export const SCREENSHOT_DIR = path.join(ROOT, "test", "e2e", "screenshots");

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Without the background-networking flags Chromium's own connections (updates,
 * sync, QUIC probes) are refused by a closed network and slow everything down.
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface TestServer {
  /** e.g. http://127.0.0.1:8796 */
  url: string;
  /** A staff token the server accepts. */
  token: string;
  persistTo: string;
  /** fetch against the server; `auth: true` adds the staff token, a `json` body is serialised. */
  api(pathname: string, init?: ApiInit): Promise<ApiResponse>;
  /**
   * Stops the server process but keeps its data (D1 and Durable Objects in
   * `persistTo`), and waits until the port is free: for tests of what clients
   * do when the connection drops. `start()` brings it back.
   */
  halt(): Promise<void>;
  /** Starts the server again on the same port with the same data (after `halt()`; a running server is halted first). */
  start(): Promise<void>;
  /** Stops the server for good and removes its data. */
  stop(): Promise<void>;
}

export interface ApiInit extends Omit<RequestInit, "body"> {
  auth?: boolean;
  json?: unknown;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** A test server's process (null while halted) and its data directory. */
interface ServerRecord {
  local: LocalServer | null;
  persistTo: string;
}

/** Kills wrangler and workerd, its child in the same process group (which may outlive wrangler itself). */
function killProcessGroup(server: LocalServer): void {
  try {
    process.kill(-server.process.pid!, "SIGKILL");
  } catch {
    // the group is gone already (or was never one)
    if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill("SIGKILL");
  }
}

// Safety net: whatever happens to the test (timeout, crash, Ctrl-C), no wrangler/workerd is left behind.
const liveServers = new Set<ServerRecord>();
function killLiveServers(): void {
  for (const record of liveServers) {
    if (record.local) killProcessGroup(record.local);
    rmSync(record.persistTo, { recursive: true, force: true });
  }
  liveServers.clear();
}
process.once("exit", killLiveServers);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killLiveServers();
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

/**
 * Starts the same `wrangler dev` as `npm run dev`, on `port`, with a fresh
 * temporary local database (migrations applied, no seed data), rate limiting
 * off and the dev token from `.dev.vars`.
 */
export async function startTestServer(options: { port: number; vars?: Record<string, string> }): Promise<TestServer> {
  ensureDevVars();
  // startServer waits for /health: a server left over on the port would answer in place of the new one.
  if (await portAnswers(options.port)) {
    throw new Error(`port ${options.port} is already in use: stop whatever listens there before running the e2e tests`);
  }
  const persistTo = mkdtempSync(path.join(tmpdir(), "antrian-e2e-"));
  const record: ServerRecord = { local: null, persistTo };
  liveServers.add(record);
  const launch = () => startServer({ port: options.port, persistTo, vars: { RATE_LIMIT: "off", ...options.vars } });
  try {
    applyMigrations({ persistTo }, { quiet: true });
    record.local = await launch();
  } catch (error) {
    liveServers.delete(record);
    rmSync(persistTo, { recursive: true, force: true });
    throw error;
  }
  const url = record.local.url;
  const halt = async () => {
    const local = record.local;
    if (!local) return;
    record.local = null;
    await local.stop();
    // stop() gives up after 5 s: make sure nothing of it keeps the port or the data files.
    killProcessGroup(local);
    const deadline = Date.now() + 15_000;
    while (await portAnswers(options.port)) {
      if (Date.now() > deadline) throw new Error(`port ${options.port} still answers after the server was stopped`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    url,
    token: DEV_TOKEN,
    persistTo,
    async api(pathname, init = {}) {
      const { auth, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (auth) headers.set("Authorization", `Bearer ${DEV_TOKEN}`);
      let body: string | undefined;
      if (json !== undefined) {
        headers.set("Content-Type", "application/json");
        body = JSON.stringify(json);
      }
      const response = await fetch(new URL(pathname, url), { ...rest, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
    halt,
    async start() {
      await halt();
      record.local = await launch();
    },
    async stop() {
      try {
        await halt();
      } finally {
        liveServers.delete(record);
        rmSync(persistTo, { recursive: true, force: true });
      }
    },
  };
}

/** Whether something accepts connections on 127.0.0.1:port. */
function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Runs `fn` with a fresh server and always stops it afterwards. */
export async function withServer<T>(
  options: { port: number; vars?: Record<string, string> },
  fn: (server: TestServer) => Promise<T>,
): Promise<T> {
  const server = await startTestServer(options);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

/**
 * Debian's Chromium, headless. `hostMap` makes Chromium resolve extra host
 * names to 127.0.0.1, so a page can be loaded under a public-looking name.
 */
export async function launchBrowser(options: { hostMap?: string[] } = {}): Promise<Browser> {
  const args = [...CHROMIUM_ARGS];
  if (options.hostMap?.length) {
    args.push(`--host-resolver-rules=${options.hostMap.map((host) => `MAP ${host} 127.0.0.1`).join(", ")}`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args, timeout: 30_000 });
}

/** Runs `fn` with a browser and always closes it afterwards. */
export async function withBrowser<T>(fn: (browser: Browser) => Promise<T>, options: { hostMap?: string[] } = {}): Promise<T> {
  const browser = await launchBrowser(options);
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

export interface RecordedPage {
  context: BrowserContext;
  page: Page;
  /** Every request the page made, in order (including ones that failed). */
  requests: Request[];
  /** Uncaught page errors and console errors, for diagnostics. */
  errors: string[];
}

/** A new context and page that records every request it makes. */
export async function openRecordedPage(browser: Browser): Promise<RecordedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "id-ID" });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const requests: Request[] = [];
  const errors: string[] = [];
  page.on("request", (request) => requests.push(request));
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  return { context, page, requests, errors };
}

/** URLs among `requests` whose origin is not `origin` (data: and blob: URLs never leave the page). */
export function foreignRequests(requests: Request[], origin: string): string[] {
  return requests
    .map((request) => request.url())
    .filter((url) => !url.startsWith("data:") && !url.startsWith("blob:") && new URL(url).origin !== origin);
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return path.join(SCREENSHOT_DIR, name);
}

/** A date `days` from today in the clinic's time zone (Asia/Jakarta), as YYYY-MM-DD. */
export function clinicDate(days: number): string {
  const jakarta = new Date(Date.now() + 7 * 3600_000);
  jakarta.setUTCDate(jakarta.getUTCDate() + days);
  return jakarta.toISOString().slice(0, 10);
}

/** A short, readable form of a response body for assertion messages (HTML error pages reduced to their text). */
export function describeBody(body: unknown, max = 400): string {
  if (typeof body !== "string") return JSON.stringify(body)?.slice(0, max) ?? String(body);
  const text = body
    .replace(/<(style|script)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, " ")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
  return text.slice(0, max);
}
