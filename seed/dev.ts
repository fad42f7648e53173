/**
 * `npm run dev`: the local API, ready to use. Creates `.dev.vars` when missing,
 * applies the local D1 migrations, seeds the database when it has no patients
 * and no slots (a second run keeps whatever is there), then runs `wrangler dev`
 * on http://127.0.0.1:8000 in the foreground until Ctrl-C.
 *
 * Runs on Node 22 with type stripping (`node seed/dev.ts`): erasable TypeScript only.
 */
import { databaseCounts, defaultSeedOptions, formatSummary, isPristine, seedDatabase } from "./seed.ts";
import { applyMigrations, devToken, ensureDevVars, isPortInUse, startServer, type LocalServer } from "./local.ts";

/** The address the original guide used (SPEC §8). */
const PORT = 8000;
const URL = `http://127.0.0.1:${PORT}`;

async function main(): Promise<void> {
  if (ensureDevVars()) console.log("Created .dev.vars from .dev.vars.example (API_TOKENS=dev-token).");
  if (await isPortInUse(PORT)) {
    console.error(`Port ${PORT} is already in use: is another \`npm run dev\` running? Stop it first.`);
    process.exit(1);
  }

  console.log("Applying migrations to the local D1 database…");
  applyMigrations({}, { quiet: true });
  const counts = databaseCounts({});
  if (isPristine(counts)) {
    const options = defaultSeedOptions();
    console.log("The local database is empty: seeding it (npm run seed -- --help for other data).");
    const { summary, ms } = seedDatabase({ options, target: {}, reset: false, migrate: false });
    console.log(formatSummary(summary, ms));
  } else {
    console.log(
      `Keeping the local data: ${counts.patients} patients, ${counts.slots} slots, ${counts.reservations} reservations (npm run reset to start over).`,
    );
  }

  // wrangler runs in its own process group (so it never reads the terminal);
  // Ctrl-C reaches this process only, and is passed on as a stop of the whole group.
  let server: LocalServer | null = null;
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (!server) {
      console.log(`\n${signal}: stopping as soon as the server has started…`);
      return;
    }
    console.log(`\n${signal}: stopping the server…`);
    await server.stop();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(signal));

  console.log(`Starting wrangler dev on ${URL}…`);
  server = await startServer({ port: PORT, inheritOutput: true });
  if (stopping) {
    await server.stop();
    process.exit(130);
  }
  server.process.once("exit", (code, signal) => {
    if (stopping) return;
    console.error(`wrangler dev exited (${signal ?? `code ${code}`}).`);
    process.exit(code ?? 1);
  });

  const token = devToken();
  console.log(
    [
      "",
      "Antrian is running",
      `  API    ${URL}`,
      `  Docs   ${URL}/docs`,
      token
        ? `  Token  ${token}   (API_TOKENS in .dev.vars; send it as Authorization: Bearer ${token})`
        : "  Token  none: API_TOKENS is not set in .dev.vars, so the token routes answer 503",
      `  Try    curl -H 'Authorization: Bearer ${token ?? "<token>"}' ${URL}/patients`,
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
