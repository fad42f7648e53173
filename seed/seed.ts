/**
 * `npm run seed`: fills D1 with deterministic fake clinic data (seed/generate.ts)
 * through `wrangler d1 execute --file`, locally by default or on the remote D1.
 *
 * Runs on Node 22 with type stripping (`node seed/seed.ts`): erasable TypeScript only.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  SeedCapacityError,
  clinicToday,
  generateSeedData,
  seedSql,
  summarise,
  type SeedData,
  type SeedOptions,
  type SeedSummary,
} from "./generate.ts";
import { ROOT, applyMigrations, d1Execute, type LocalTarget } from "./local.ts";

export const DEFAULTS = { seed: 42, patients: 200, days: 14, pastDays: 7 } as const;

const HELP = `Usage: npm run seed -- [options]

Fills the D1 database with deterministic fake clinic data: Indonesian patients,
consultation slots Monday–Saturday in clinic hours, and reservations that follow
the booking rules (booking a seeded slot continues its queue numbers).

Options:
  --seed N            faker seed; the same seed and options give the same data (default ${DEFAULTS.seed})
  --patients N        patients to create (default ${DEFAULTS.patients})
  --days N            days with slots from today on, today included (default ${DEFAULTS.days})
  --past-days N       days of history before today (default ${DEFAULTS.pastDays})
  --slots-per-day N   slots per weekday, Saturday about half (default: hourly 08:00–15:00
                      with a lunch break, 7 slots; Saturday 4)
  --fill R            average share of kuota held in open upcoming slots, 0–1 (default 0.65)
  --reservations N    aim for about N reservations in all (overrides --fill)
  --today YYYY-MM-DD  the date the data is laid out around (default: today in the clinic's
                      time zone); pin it to get the same data on another day
  --time-zone TZ      clinic time zone (default: CLINIC_TIMEZONE in wrangler.toml)
  --reset             delete every reservation, slot, patient and idempotency key first
                      (and restart their ids at 1); without it the seed refuses a database
                      that already has patients or slots
  --remote            the remote D1 (wrangler's login) instead of the local one; migrations
                      are not applied (run \`npm run predeploy\` first); --reset needs --yes
  --yes               confirm --reset on the remote database
  --persist-to DIR    local state directory (default: wrangler's .wrangler/state)
  -h, --help          this text

Seeding next to a running \`npm run dev\` works for a database that was empty:
each slot's Durable Object loads its counters from D1 on first use. --reset
while the server runs is not supported: slot objects that already answered keep
the old counts in memory until restarted (stop the server, or use \`npm run reset\`).

Example: npm run seed -- --patients 10000 --days 120 --past-days 60 --slots-per-day 24 --reservations 50000
`;

export interface SeedRun {
  options: SeedOptions;
  target: LocalTarget;
  reset: boolean;
  /** Apply local migrations first (skipped when the caller already did). */
  migrate: boolean;
}

export interface DatabaseCounts {
  patients: number;
  slots: number;
  reservations: number;
  /** Highest id ever handed out in those tables (AUTOINCREMENT), even if the rows are gone. */
  usedIds: number;
}

/** Nothing to keep: no rows, and no ids handed out that seeded rows (explicit ids from 1) would reuse. */
export function isPristine(counts: DatabaseCounts): boolean {
  return counts.patients === 0 && counts.slots === 0 && counts.reservations === 0 && counts.usedIds === 0;
}

export function databaseCounts(target: LocalTarget): DatabaseCounts {
  const [row] = d1Execute(
    {
      command:
        "SELECT (SELECT count(*) FROM patients) AS patients, (SELECT count(*) FROM consultation_slots) AS slots, (SELECT count(*) FROM reservations) AS reservations, " +
        "(SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name IN ('patients', 'consultation_slots', 'reservations')) AS used_ids",
    },
    target,
  );
  return {
    patients: Number(row?.patients ?? 0),
    slots: Number(row?.slots ?? 0),
    reservations: Number(row?.reservations ?? 0),
    usedIds: Number(row?.used_ids ?? 0),
  };
}

export class SeedRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SeedRefused";
  }
}

function where(target: LocalTarget): string {
  if (target.remote) return "the remote D1 database";
  if (!target.persistTo) return "the local D1 database";
  const relative = path.relative(ROOT, target.persistTo);
  return `the local D1 database in ${relative && !relative.startsWith("..") ? relative : target.persistTo}`;
}

/** Seeds the database; throws SeedRefused when it already has data and `reset` is off. */
export function seedDatabase(run: SeedRun, log: (line: string) => void = console.log): { data: SeedData; summary: SeedSummary; ms: number } {
  const started = performance.now();
  const step = (text: string) => log(`  [${((performance.now() - started) / 1000).toFixed(1).padStart(4)} s] ${text}`);
  // Generated first: bad options or a capacity problem fail before the database is touched.
  step(
    `generating ${run.options.patients} patients, ${run.options.pastDays} past + ${run.options.days} upcoming days around ${run.options.today} (seed ${run.options.seed})…`,
  );
  const data = generateSeedData(run.options);
  const summary = summarise(data, run.options.today);

  if (run.migrate && !run.target.remote) {
    step("applying migrations…");
    applyMigrations(run.target, { quiet: true });
  }
  step(`checking ${where(run.target)}…`);
  const before = databaseCounts(run.target);
  if (!isPristine(before) && !run.reset) {
    const what =
      before.patients + before.slots + before.reservations > 0
        ? `already has ${before.patients} patients, ${before.slots} consultation slots and ${before.reservations} reservations`
        : `has no rows left, but ids up to ${before.usedIds} were handed out: seeded rows would reuse the ids of deleted ones (and their slot objects)`;
    throw new SeedRefused(
      `${where(run.target)} ${what}.\n` +
        "Add --reset to delete every patient, slot and reservation and restart the ids, or run `npm run reset` to start from an empty local database.",
    );
  }
  const dir = mkdtempSync(path.join(tmpdir(), "antrian-seed-"));
  try {
    const file = path.join(dir, "seed.sql");
    writeFileSync(file, seedSql(data, { reset: run.reset }));
    const kb = Math.round(readFileSync(file).length / 1024);
    step(
      `${run.reset ? `deleting ${before.patients} patients, ${before.slots} slots, ${before.reservations} reservations and ` : ""}` +
        `writing ${summary.patients} patients, ${summary.slots} slots, ${summary.reservations} reservations (${kb} KB of SQL) to ${where(run.target)}…`,
    );
    d1Execute({ file }, run.target);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // A 201 means stored; so does a finished seed: check that every row arrived.
  const after = databaseCounts(run.target);
  if (after.patients !== summary.patients || after.slots !== summary.slots || after.reservations !== summary.reservations) {
    throw new Error(
      `Seed incomplete: expected ${summary.patients}/${summary.slots}/${summary.reservations} patients/slots/reservations, found ${after.patients}/${after.slots}/${after.reservations}. Rerun with --reset.`,
    );
  }
  return { data, summary, ms: performance.now() - started };
}

export function formatSummary(summary: SeedSummary, ms: number): string {
  const s = summary.byStatus;
  return [
    `Seeded in ${(ms / 1000).toFixed(1)} s:`,
    `  patients      ${summary.patients}`,
    `  slots         ${summary.slots} (${summary.pastSlots} past, ${summary.upcomingSlots} from today on; ${summary.closedSlots} closed; ${summary.fullSlots} upcoming open slots full)`,
    `  reservations  ${summary.reservations} (booked ${s.booked}, checked_in ${s.checked_in}, served ${s.served}, no_show ${s.no_show}, cancelled ${s.cancelled})`,
  ].join("\n");
}

/** CLINIC_TIMEZONE from wrangler.toml's [vars], so the seed and the worker agree on "today". */
export function configuredTimeZone(): string {
  try {
    const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
    return /^\s*CLINIC_TIMEZONE\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? "Asia/Jakarta";
  } catch {
    return "Asia/Jakarta";
  }
}

export function defaultSeedOptions(timeZone = configuredTimeZone()): SeedOptions {
  return { ...DEFAULTS, today: clinicToday(timeZone, new Date()), timeZone };
}

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new RangeError(`--${name} must be a whole number, got "${value}"`);
  return Number(value);
}

function parseCli(argv: string[]): SeedRun & { yes: boolean } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      seed: { type: "string" },
      patients: { type: "string" },
      days: { type: "string" },
      "past-days": { type: "string" },
      "slots-per-day": { type: "string" },
      fill: { type: "string" },
      reservations: { type: "string" },
      today: { type: "string" },
      "time-zone": { type: "string" },
      reset: { type: "boolean", default: false },
      remote: { type: "boolean", default: false },
      yes: { type: "boolean", default: false },
      "persist-to": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  if (values.remote && values["persist-to"]) throw new RangeError("--persist-to is for the local database; drop it with --remote");
  const timeZone = values["time-zone"] ?? configuredTimeZone();
  const fill = values.fill === undefined ? undefined : Number(values.fill);
  if (fill !== undefined && !(fill >= 0 && fill <= 1)) throw new RangeError(`--fill must be a number from 0 to 1, got "${values.fill}"`);
  const options: SeedOptions = {
    seed: integer("seed", values.seed, DEFAULTS.seed),
    patients: integer("patients", values.patients, DEFAULTS.patients),
    days: integer("days", values.days, DEFAULTS.days),
    pastDays: integer("past-days", values["past-days"], DEFAULTS.pastDays),
    slotsPerDay: values["slots-per-day"] === undefined ? undefined : integer("slots-per-day", values["slots-per-day"], 0),
    fill,
    reservations: values.reservations === undefined ? undefined : integer("reservations", values.reservations, 0),
    today: values.today ?? clinicToday(timeZone, new Date()),
    timeZone,
  };
  // npm runs scripts from the project root; a relative directory means the caller's directory.
  const persistTo = values["persist-to"] ? path.resolve(process.env.INIT_CWD ?? process.cwd(), values["persist-to"]) : undefined;
  return { options, target: { remote: values.remote, persistTo }, reset: values.reset, migrate: true, yes: values.yes };
}

function main(): void {
  let run: ReturnType<typeof parseCli>;
  try {
    run = parseCli(process.argv.slice(2));
  } catch (error) {
    console.error(`seed: ${(error as Error).message}\nRun \`npm run seed -- --help\` for the options.`);
    process.exit(1);
  }
  if (run.target.remote && run.reset && !run.yes) {
    console.error("seed: --reset --remote deletes every patient, slot and reservation in the remote database; add --yes to confirm.");
    process.exit(1);
  }
  console.log(`Seeding ${where(run.target)}`);
  try {
    const { summary, ms } = seedDatabase(run);
    console.log(formatSummary(summary, ms));
  } catch (error) {
    if (error instanceof SeedRefused || error instanceof SeedCapacityError || error instanceof RangeError) {
      console.error(`seed: ${error.message}`);
    } else {
      console.error(`seed failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
