import { createDb } from "../../db/client";
import type { ReservationRow } from "../../db/schema";
import { clinicTimeZone } from "../../lib/clinic-time";
import { sha256Hex } from "../../lib/digest";
import { ApiError, PROBLEMS, problemDocument } from "../../lib/problem";
import { logError } from "../../lib/request-log";
import type { AppRouteHandler } from "../../lib/types";
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  type StoredResponse,
} from "../../queries/idempotency";
import { describeReservations, findReservation, listReservationRows, toReservationView } from "../../queries/reservations";
import { estimatedCall } from "../../queue/estimates";
import type { Outcome } from "../../slot-booker/outcome";
import { slotBooker, type SlotBooker } from "../../slot-booker/slot-booker";
import { unwrap } from "../outcome";
import type { CreateRoute, GetRoute, ListRoute, RemoveRoute, UpdateRoute } from "./reservations.routes";


async function describe(env: Env, row: ReservationRow) {
  const [view] = await describeReservations(createDb(env.DB), [row], clinicTimeZone(env));
  return view!;
}

function notFound(id: number): ApiError {
  return new ApiError("not_found", `Reservation ${id} does not exist.`);
}

/**
 * Sends a change to the object of the slot the reservation is in. If it moved
 * to another slot in the meantime, the object says so and we follow it.
 */
async function throughItsSlot(
  env: Env,
  id: number,
  change: (booker: DurableObjectStub<SlotBooker>, slotId: number) => Promise<Outcome<ReservationRow>>,
): Promise<ReservationRow> {
  const current = await findReservation(createDb(env.DB), id);
  if (!current) throw notFound(id);
  let slotId = current.consultation_slot_id;
  for (let hop = 0; ; hop++) {
    const outcome = await change(slotBooker(env, slotId), slotId);
    if (!outcome.ok && outcome.code === "moved" && outcome.slotId !== undefined && hop < 3) {
      slotId = outcome.slotId;
      continue;
    }
    return unwrap(outcome);
  }
}

export const list: AppRouteHandler<ListRoute> = async (c) => {
  const { limit, offset, ...filter } = c.req.valid("query");
  const db = createDb(c.env.DB);
  const page = await listReservationRows(db, filter, { limit, offset });
  return c.json({ ...page, data: await describeReservations(db, page.data, clinicTimeZone(c.env)) }, 200);
};

export const get: AppRouteHandler<GetRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const row = await findReservation(createDb(c.env.DB), id);
  if (!row) throw notFound(id);
  return c.json(await describe(c.env, row), 200);
};

/** Books through the slot's object and renders the answer: the reservation, or the refusal as a problem. */
async function book(env: Env, patientId: number, slotId: number): Promise<StoredResponse & { headers: Record<string, string> }> {
  const outcome = await slotBooker(env, slotId).book(slotId, patientId);
  if (outcome.ok) {
    const { reservation, posisi, timings } = outcome.value;
    const view = toReservationView(reservation, posisi, estimatedCall(timings, posisi, clinicTimeZone(env)));
    return { status: 201, body: JSON.stringify(view), location: `/reservations/${view.id}`, headers: {} };
  }
  if (outcome.code === "moved") throw new Error("a booking cannot move");
  const document = problemDocument(outcome.code, outcome.detail);
  return {
    status: PROBLEMS[outcome.code].status,
    body: JSON.stringify(document),
    location: null,
    headers: outcome.code === "service_unavailable" ? { "Retry-After": "1" } : {},
  };
}

/** Equal-as-JSON bodies give equal fingerprints: keys are sorted before hashing. */
function fingerprint(body: Record<string, unknown>): Promise<string> {
  return sha256Hex(JSON.stringify(Object.fromEntries(Object.entries(body).sort(([a], [b]) => a.localeCompare(b)))));
}

export const create: AppRouteHandler<CreateRoute> = async (c) => {
  const body = c.req.valid("json");
  const key = c.req.valid("header")["idempotency-key"];
  const tokenHash = c.get("tokenHash");

  if (key !== undefined) {
    const claim = await claimIdempotencyKey(c.env.DB, tokenHash, key, await fingerprint(body));
    if (claim.state === "different_request") {
      throw new ApiError(
        "idempotency_key_reused",
        "This Idempotency-Key was already used with a different request body; use a new key for a new booking.",
      );
    }
    if (claim.state === "in_flight") {
      throw new ApiError(
        "idempotency_key_in_use",
        "A request with this Idempotency-Key is still being handled; retry in a moment to get its answer.",
        { headers: { "Retry-After": "1" } },
      );
    }
    if (claim.state === "replay") {
      logRefusal(c.get("requestId"), claim.response);
      return respond(claim.response, { "Idempotent-Replayed": "true" });
    }
  }

  let answer: Awaited<ReturnType<typeof book>>;
  try {
    answer = await book(c.env, body.patient_id, body.consultation_slot_id);
  } catch (error) {
    if (key !== undefined) await releaseIdempotencyKey(c.env.DB, tokenHash, key);
    throw error;
  }
  if (key !== undefined) {
    // Refusals by validation (422) and unknown outcomes (5xx) are not kept: a retry must be able to succeed.
    if (answer.status === 201 || answer.status === 409) {
      await completeIdempotencyKey(c.env.DB, tokenHash, key, answer);
    } else {
      await releaseIdempotencyKey(c.env.DB, tokenHash, key);
    }
  }
  logRefusal(c.get("requestId"), answer);
  return respond(answer, answer.headers);
};

/** Refusals from the slot object are answers, not thrown errors: they get the same error log line. */
function logRefusal(requestId: string, stored: StoredResponse): void {
  if (stored.status < 400) return;
  logError(requestId, "SlotRefusal", (JSON.parse(stored.body) as { code: string }).code, stored.status);
}

/**
 * The answer as stored for replay: an already-rendered body, so it is returned
 * as is (the cast tells the route types it is the 201 body they describe).
 */
function respond(stored: StoredResponse, headers: Record<string, string>): never {
  const all = new Headers(headers);
  all.set("Content-Type", stored.status === 201 ? "application/json" : "application/problem+json");
  if (stored.location) all.set("Location", stored.location);
  return new Response(stored.body, { status: stored.status, headers: all }) as never;
}

export const update: AppRouteHandler<UpdateRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const { status, consultation_slot_id: targetSlot } = c.req.valid("json");
  let row: ReservationRow;
  if (targetSlot !== undefined) {
    // The target slot's object reads the reservation itself (404 when it does not exist).
    row = unwrap(await slotBooker(c.env, targetSlot).moveIn(targetSlot, id));
  } else {
    row = await throughItsSlot(c.env, id, (booker, slotId) => booker.changeStatus(slotId, id, status!));
  }
  return c.json(await describe(c.env, row), 200);
};

export const remove: AppRouteHandler<RemoveRoute> = async (c) => {
  const { id } = c.req.valid("param");
  await throughItsSlot(c.env, id, (booker, slotId) => booker.removeReservation(slotId, id));
  return c.body(null, 204);
};
