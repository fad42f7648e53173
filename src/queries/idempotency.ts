/**
 * Idempotency-Key records for POST /reservations (SPEC §5). A key is scoped to
 * a hash of the caller's token, lives 24 hours, and is claimed atomically: the
 * first request inserts it "in flight", later ones see it.
 */
import { isoNow } from "../lib/clinic-time";

const KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** A claim still in flight after this long belongs to a request that died; a retry may take it over. */
const ABANDONED_AFTER_MS = 60 * 1000;

export interface StoredResponse {
  status: number;
  body: string;
  location: string | null;
}

export type Claim =
  | { state: "claimed" }
  | { state: "replay"; response: StoredResponse }
  | { state: "in_flight" }
  | { state: "different_request" };

interface KeyRow {
  request_hash: string;
  response_status: number | null;
  response_body: string | null;
  response_location: string | null;
}

export async function claimIdempotencyKey(
  d1: D1Database,
  tokenHash: string,
  key: string,
  requestHash: string,
  at: Date = new Date(),
): Promise<Claim> {
  const expired = isoNow(new Date(at.getTime() - KEY_LIFETIME_MS));
  const abandoned = isoNow(new Date(at.getTime() - ABANDONED_AFTER_MS));
  const [, inserted, existing] = await d1.batch([
    d1
      .prepare(
        `DELETE FROM idempotency_keys WHERE token_hash = ?1 AND idempotency_key = ?2
         AND (created_at < ?3 OR (response_status IS NULL AND created_at < ?4))`,
      )
      .bind(tokenHash, key, expired, abandoned),
    d1
      .prepare(
        `INSERT INTO idempotency_keys (token_hash, idempotency_key, request_hash, created_at)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING RETURNING 1 AS claimed`,
      )
      .bind(tokenHash, key, requestHash, isoNow(at)),
    d1
      .prepare(
        `SELECT request_hash, response_status, response_body, response_location FROM idempotency_keys
         WHERE token_hash = ?1 AND idempotency_key = ?2`,
      )
      .bind(tokenHash, key),
  ]);
  if ((inserted?.results.length ?? 0) > 0) return { state: "claimed" };
  const row = existing?.results[0] as KeyRow | undefined;
  if (!row) return { state: "in_flight" };
  if (row.request_hash !== requestHash) return { state: "different_request" };
  if (row.response_status === null || row.response_body === null) return { state: "in_flight" };
  return {
    state: "replay",
    response: { status: row.response_status, body: row.response_body, location: row.response_location },
  };
}

export async function completeIdempotencyKey(
  d1: D1Database,
  tokenHash: string,
  key: string,
  response: StoredResponse,
): Promise<void> {
  await d1
    .prepare(
      `UPDATE idempotency_keys SET response_status = ?3, response_body = ?4, response_location = ?5
       WHERE token_hash = ?1 AND idempotency_key = ?2`,
    )
    .bind(tokenHash, key, response.status, response.body, response.location)
    .run();
}

/** Forgets a claim whose request ended without an answer worth replaying (validation, unknown outcome). */
export async function releaseIdempotencyKey(d1: D1Database, tokenHash: string, key: string): Promise<void> {
  await d1
    .prepare("DELETE FROM idempotency_keys WHERE token_hash = ?1 AND idempotency_key = ?2 AND response_status IS NULL")
    .bind(tokenHash, key)
    .run();
}

/** Sweeps keys older than their 24 hours (called now and then, not on every request). */
export async function purgeExpiredIdempotencyKeys(d1: D1Database, at: Date = new Date()): Promise<void> {
  await d1
    .prepare("DELETE FROM idempotency_keys WHERE created_at < ?1")
    .bind(isoNow(new Date(at.getTime() - KEY_LIFETIME_MS)))
    .run();
}
