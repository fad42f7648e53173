import { createDb } from "../../db/client";
import { clinicNow, clinicTimeZone } from "../../lib/clinic-time";
import { ApiError } from "../../lib/problem";
import type { AppRouteHandler } from "../../lib/types";
import { findSlot, insertSlot, listSlots, toSlotView, type SlotView } from "../../queries/slots";
import { slotBooker } from "../../slot-booker/slot-booker";
import type { SlotChanges } from "../../queries/bookings";
import { unwrap } from "../outcome";
import type { CreateRoute, GetRoute, ListRoute, RemoveRoute, ReplaceRoute, UpdateRoute } from "./slots.routes";

function nowHere(env: Env): string {
  return clinicNow(clinicTimeZone(env));
}

async function slotOrNotFound(env: Env, id: number): Promise<SlotView> {
  const slot = await findSlot(createDb(env.DB), id, nowHere(env));
  if (!slot) throw new ApiError("not_found", `Consultation slot ${id} does not exist.`);
  return slot;
}

/** Slot changes go through the slot's object, so they are serialised with its bookings. */
async function changeSlot(env: Env, id: number, changes: SlotChanges): Promise<SlotView> {
  unwrap(await slotBooker(env, id).updateSlot(id, changes));
  return slotOrNotFound(env, id);
}

export const list: AppRouteHandler<ListRoute> = async (c) => {
  const { limit, offset, ...filter } = c.req.valid("query");
  return c.json(await listSlots(createDb(c.env.DB), filter, { limit, offset }, nowHere(c.env)), 200);
};

export const create: AppRouteHandler<CreateRoute> = async (c) => {
  const row = await insertSlot(createDb(c.env.DB), c.req.valid("json"));
  c.header("Location", `/consultation-slots/${row.id}`);
  return c.json(toSlotView(row, 0, nowHere(c.env)), 201);
};

export const get: AppRouteHandler<GetRoute> = async (c) => {
  return c.json(await slotOrNotFound(c.env, c.req.valid("param").id), 200);
};

export const replace: AppRouteHandler<ReplaceRoute> = async (c) => {
  return c.json(await changeSlot(c.env, c.req.valid("param").id, c.req.valid("json")), 200);
};

export const update: AppRouteHandler<UpdateRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const changes = c.req.valid("json");
  const slot = Object.keys(changes).length === 0 ? await slotOrNotFound(c.env, id) : await changeSlot(c.env, id, changes);
  return c.json(slot, 200);
};

export const remove: AppRouteHandler<RemoveRoute> = async (c) => {
  const { id } = c.req.valid("param");
  unwrap(await slotBooker(c.env, id).deleteSlot(id));
  return c.body(null, 204);
};
