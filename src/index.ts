import { createApp } from "./app";
import { purgeExpiredIdempotencyKeys } from "./queries/idempotency";

export { SlotBooker } from "./slot-booker/slot-booker";

const app = createApp();

export default {
  fetch: app.fetch,
  /**
   * Daily (wrangler.toml [triggers]): Idempotency-Key records live 24 hours; a key
   * is only swept on reuse, so the rest are deleted here instead of piling up.
   */
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(purgeExpiredIdempotencyKeys(env.DB));
  },
} satisfies ExportedHandler<Env>;
