/**
 * Running Antrian locally: the pieces `npm run dev`, the seed script, the
 * benchmark, the soak run and the end-to-end tests share, so they all start
 * the very same server (`wrangler dev` with this project's wrangler.toml).
 *
 * Runs on Node 22 with type stripping (`node seed/x.ts`): erasable TypeScript only.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(ROOT, "node_modules", ".bin", "wrangler");

/** Quiet, offline-friendly wrangler: no metrics, no fetch of Request.cf. */
export const WRANGLER_ENV = {
  ...process.env,
  // wrangler needs Node >= 22.12: the project's own `node` package comes first on PATH.
  PATH: `${path.join(ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};

/** `.dev.vars` holds the local token; it is git-ignored, so it is made from the example when missing. */
export function ensureDevVars(): boolean {
  const devVars = path.join(ROOT, ".dev.vars");
  if (existsSync(devVars)) return false;
  copyFileSync(path.join(ROOT, ".dev.vars.example"), devVars);
  return true;
}

export interface LocalTarget {
  /** Local state directory (defaults to wrangler's .wrangler/state); ignored with remote. */
  persistTo?: string | undefined;
  remote?: boolean | undefined;
}

function targetFlags(target: LocalTarget): string[] {
  if (target.remote) return ["--remote"];
  return ["--local", ...(target.persistTo ? ["--persist-to", target.persistTo] : [])];
}

/** Runs wrangler synchronously, failing loudly with its output. */
export function wrangler(args: string[], options: { quiet?: boolean } = {}): string {
  const result = spawnSync(WRANGLER, args, { cwd: ROOT, env: WRANGLER_ENV, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`wrangler ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  }
  if (!options.quiet) process.stdout.write(result.stdout);
  return result.stdout;
}

export function applyMigrations(target: LocalTarget = {}, options: { quiet?: boolean } = {}): void {
  wrangler(["d1", "migrations", "apply", "DB", ...targetFlags(target)], options);
}

/** Runs SQL (a query or a file) against the D1 database; returns the rows of the last statement. */
export function d1Execute(sql: { command?: string; file?: string }, target: LocalTarget = {}): Record<string, unknown>[] {
  const args = ["d1", "execute", "DB", ...targetFlags(target), "--json", "--yes"];
  if (sql.command !== undefined) args.push("--command", sql.command);
  if (sql.file !== undefined) args.push("--file", sql.file);
  const out = wrangler(args, { quiet: true });
  const parsed = JSON.parse(out.slice(out.indexOf("["))) as { results?: Record<string, unknown>[] }[];
  return parsed[parsed.length - 1]?.results ?? [];
}

export interface LocalServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface StartOptions {
  port: number;
  persistTo?: string | undefined;
  /** Extra vars (e.g. RATE_LIMIT=off); `.dev.vars` supplies the token. */
  vars?: Record<string, string> | undefined;
  /** Forward the server's output to this process (dev) or keep it quiet (bench, tests). */
  inheritOutput?: boolean | undefined;
}

/** Starts `wrangler dev` on 127.0.0.1 and resolves once /health answers. */
export async function startServer(options: StartOptions): Promise<LocalServer> {
  // Otherwise the /health probe below could find an older server on that port and report success.
  if (await isPortInUse(options.port)) {
    throw new Error(`Port ${options.port} is already in use; stop what is listening there first.`);
  }
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(options.port), "--show-interactive-dev-session=false"];
  if (options.persistTo) args.push("--persist-to", options.persistTo);
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push("--var", `${name}:${value}`);
  const child = spawn(WRANGLER, args, {
    cwd: ROOT,
    env: WRANGLER_ENV,
    stdio: options.inheritOutput ? "inherit" : ["ignore", "pipe", "pipe"],
    detached: process.platform !== "win32",
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      // wrangler starts workerd as a child: end the whole process group.
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      child.kill("SIGTERM");
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  };
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return { url, process: child, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not answer /health within 90 s:\n${output}`);
}

/** Whether something already listens on 127.0.0.1:port (a second `npm run dev`, say). */
export async function isPortInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "EADDRINUSE" || error.code === "EACCES"));
    probe.once("listening", () => probe.close(() => resolve(false)));
    probe.listen(port, "127.0.0.1");
  });
}

/** The first token in `.dev.vars`' API_TOKENS, or null when unset. */
export function devToken(): string | null {
  const devVars = path.join(ROOT, ".dev.vars");
  if (!existsSync(devVars)) return null;
  for (const line of readFileSync(devVars, "utf8").split(/\r?\n/)) {
    const match = /^\s*API_TOKENS\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    const value = (match[1] ?? "").trim().replace(/^(["'])(.*)\1$/, "$2");
    return value.split(",").map((t) => t.trim()).find((t) => t.length > 0) ?? null;
  }
  return null;
}
