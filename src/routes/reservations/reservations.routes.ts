import { createRoute } from "@hono/zod-openapi";
import { staffOnly } from "../../lib/auth";
import { errorResponses, IdParams, jsonBody, jsonContent, listEnvelope } from "../common.schemas";
import {
  BookingInput,
  IdempotencyHeaders,
  ReservationListQuery,
  ReservationPatch,
  ReservationSchema,
} from "./reservations.schemas";

const tags = ["Reservations"];

export const list = createRoute({
  method: "get",
  path: "/reservations",
  operationId: "listReservations",
  summary: "List reservations",
  description: "Sorted by their slot's tanggal, waktu, id, then nomor_antrian. Every status unless filtered.",
  tags,
  ...staffOnly,
  request: { query: ReservationListQuery },
  responses: {
    200: jsonContent(listEnvelope(ReservationSchema, "ReservationList"), "A page of reservations"),
    ...errorResponses({ auth: true }),
  },
});

export const create = createRoute({
  method: "post",
  path: "/reservations",
  operationId: "bookReservation",
  summary: "Book a place and get a queue number",
  description:
    "The slot's Durable Object assigns the next nomor_antrian. Numbers only go up: after cancellations a number can exceed kuota. A 201 means the reservation is stored.",
  tags,
  ...staffOnly,
  request: { headers: IdempotencyHeaders, body: jsonBody(BookingInput) },
  responses: {
    201: jsonContent(ReservationSchema, "Booked; Location points at the reservation"),
    ...errorResponses({
      auth: true,
      body: true,
      conflicts: ["slot_full", "slot_closed", "slot_in_past", "duplicate_reservation", "idempotency_key_in_use"],
      unprocessable: ["patient_not_found", "slot_not_found", "idempotency_key_reused"],
    }),
  },
});

export const get = createRoute({
  method: "get",
  path: "/reservations/{id}",
  operationId: "getReservation",
  summary: "Get a reservation",
  tags,
  ...staffOnly,
  request: { params: IdParams },
  responses: {
    200: jsonContent(ReservationSchema, "The reservation"),
    ...errorResponses({ auth: true, id: true }),
  },
});

export const update = createRoute({
  method: "patch",
  path: "/reservations/{id}",
  operationId: "updateReservation",
  summary: "Change a reservation's status, or move it to another slot",
  description:
    "Status: booked → checked_in, served, no_show, cancelled; checked_in → served, no_show, cancelled; the rest are final. The same status again is a no-op. Moving (consultation_slot_id) needs a pending reservation and gives a new number in the new slot; the old place is freed once the new one is secured.",
  tags,
  ...staffOnly,
  request: { params: IdParams, body: jsonBody(ReservationPatch) },
  responses: {
    200: jsonContent(ReservationSchema, "The updated reservation"),
    ...errorResponses({
      auth: true,
      body: true,
      id: true,
      conflicts: ["invalid_transition", "slot_full", "slot_closed", "slot_in_past", "duplicate_reservation"],
      unprocessable: ["slot_not_found"],
    }),
  },
});

export const remove = createRoute({
  method: "delete",
  path: "/reservations/{id}",
  operationId: "deleteReservation",
  summary: "Delete a reservation",
  description: "Frees its place; its number is never handed out again.",
  tags,
  ...staffOnly,
  request: { params: IdParams },
  responses: {
    204: { description: "Deleted" },
    ...errorResponses({ auth: true, id: true }),
  },
});

export type ListRoute = typeof list;
export type CreateRoute = typeof create;
export type GetRoute = typeof get;
export type UpdateRoute = typeof update;
export type RemoveRoute = typeof remove;
