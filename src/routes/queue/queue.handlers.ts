import { createDb } from "../../db/client";
import { ApiError } from "../../lib/problem";
import type { AppRouteHandler } from "../../lib/types";
import { describeReservations } from "../../queries/reservations";
import { slotExists } from "../../queries/bookings";
import { findSlot } from "../../queries/slots";
import { slotBooker } from "../../slot-booker/slot-booker";
import { clinicNow, clinicTimeZone } from "../../lib/clinic-time";
import { unwrap } from "../outcome";
import { displayPage } from "./display-page";
import type { DisplayRoute, LiveRoute, NextRoute, StatusRoute } from "./queue.routes";


export const status: AppRouteHandler<StatusRoute> = async (c) => {
  const { id } = c.req.valid("param");
  return c.json(unwrap(await slotBooker(c.env, id).queueStatus(id)), 200);
};

export const next: AppRouteHandler<NextRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const called = unwrap(await slotBooker(c.env, id).callNext(id));
  const [view] = await describeReservations(createDb(c.env.DB), [called], clinicTimeZone(c.env));
  return c.json(view!, 200);
};

export const live: AppRouteHandler<LiveRoute> = async (c) => {
  const { id } = c.req.valid("param");
  if (!(await slotExists(c.env.DB, id))) throw new ApiError("not_found", `Consultation slot ${id} does not exist.`);
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError("upgrade_required", "This is a WebSocket: connect with Upgrade: websocket (see /display/{id} for a ready-made screen).", {
      headers: { Upgrade: "websocket" },
    });
  }
  const url = new URL("https://slot-booker/live");
  url.searchParams.set("slot", String(id));
  const response = await slotBooker(c.env, id).fetch(new Request(url, { headers: c.req.raw.headers }));
  // Deleted in between: the object found no slot either.
  if (response.status === 404) throw new ApiError("not_found", `Consultation slot ${id} does not exist.`);
  return response as never;
};

export const display: AppRouteHandler<DisplayRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const slot = await findSlot(createDb(c.env.DB), id, clinicNow(clinicTimeZone(c.env)));
  if (!slot) throw new ApiError("not_found", `Consultation slot ${id} does not exist.`);
  return c.html(displayPage(slot, clinicTimeZone(c.env)), 200);
};
