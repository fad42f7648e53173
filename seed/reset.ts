/**
 * `npm run reset`: wipes the local development state on purpose — D1 data,
 * Durable Object storage, everything under .wrangler/state (or --persist-to
 * DIR) — then applies the migrations again, leaving an empty database.
 * The next `npm run dev` seeds it again.
 *
 * Runs on Node 22 with type stripping (`node seed/reset.ts`): erasable TypeScript only.
 */
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT, applyMigrations, isPortInUse } from "./local.ts";

const { values } = parseArgs({
  options: { "persist-to": { type: "string" }, help: { type: "boolean", short: "h", default: false } },
  strict: true,
});
if (values.help) {
  console.log(`Usage: npm run reset -- [--persist-to DIR]

Deletes the local state (.wrangler/state, or DIR): every patient, slot and
reservation in the local D1 and the slot objects' storage; then applies the
migrations again. \`npm run dev\` seeds the empty database on its next start.
Stop \`npm run dev\` first.`);
  process.exit(0);
}

const persistTo = values["persist-to"] ? path.resolve(process.env.INIT_CWD ?? process.cwd(), values["persist-to"]) : undefined;
const stateDir = persistTo ?? path.join(ROOT, ".wrangler", "state");

// Deleting the files under a running workerd leaves it serving a database that no longer exists.
if (!persistTo && (await isPortInUse(8000))) {
  console.error("Port 8000 is in use: stop `npm run dev` before resetting its state.");
  process.exit(1);
}

if (existsSync(stateDir)) {
  rmSync(stateDir, { recursive: true, force: true });
  console.log(`Deleted ${path.relative(ROOT, stateDir) || stateDir}.`);
} else {
  console.log(`No local state at ${path.relative(ROOT, stateDir) || stateDir}.`);
}
console.log("Applying migrations to the empty local D1 database…");
applyMigrations({ persistTo }, { quiet: true });
console.log("Done: the local database is empty. `npm run dev` seeds it on its next start (or `npm run seed -- --help`).");
