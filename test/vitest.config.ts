import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "..");

export default defineConfig(async () => {
  // Read in Node, handed to the runtime as a binding, applied by test/setup.ts.
  const migrations = await readD1Migrations(path.join(root, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: path.join(root, "wrangler.toml") },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            API_TOKENS: "test-token,second-token",
            // The limiter must not get in the way of the concurrency tests' bursts.
            RATE_LIMIT: "off",
          },
        },
      }),
    ],
    test: {
      root,
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/setup.ts"],
      testTimeout: 60_000,
      // Request logs are tested in their own file; elsewhere they would bury the results.
      onConsoleLog: () => (process.env.SHOW_LOGS ? undefined : false),
      hookTimeout: 60_000,
    },
  };
});
