import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Runs before each test file. Storage is isolated per file and migrations that
// were already applied are recorded in d1_migrations and skipped, so running
// this more than once is safe.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
