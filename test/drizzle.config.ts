// drizzle-kit config, kept under test/ so the top level stays as SPEC §2 lists.
// `npm run db:generate` turns src/db/schema.ts into SQL under migrations/.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
