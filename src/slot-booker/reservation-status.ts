/**
 * The reservation state machine (SPEC §3, §10), in one place.
 * `booked` and `checked_in` are pending (the visit has not happened);
 * every status but `cancelled` holds a place in its slot.
 */
import type { ReservationStatus } from "../db/schema";

const TRANSITIONS: Record<ReservationStatus, readonly ReservationStatus[]> = {
  booked: ["checked_in", "served", "no_show", "cancelled"],
  checked_in: ["served", "no_show", "cancelled"],
  served: [],
  no_show: [],
  cancelled: [],
};

export function canTransition(from: ReservationStatus, to: ReservationStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isPending(status: ReservationStatus): boolean {
  return status === "booked" || status === "checked_in";
}

export function holdsPlace(status: ReservationStatus): boolean {
  return status !== "cancelled";
}
