import { createRoute } from "@hono/zod-openapi";
import { staffOnly } from "../../lib/auth";
import { errorResponses, IdParams, jsonBody, jsonContent, listEnvelope } from "../common.schemas";
import { SlotInput, SlotListQuery, SlotPatch, SlotSchema } from "./slots.schemas";

const tags = ["Consultation slots"];

export const list = createRoute({
  method: "get",
  path: "/consultation-slots",
  operationId: "listConsultationSlots",
  summary: "List consultation slots",
  description: "Sorted by tanggal, waktu, id. Public: patients browse open slots here.",
  tags,
  request: { query: SlotListQuery },
  responses: {
    200: jsonContent(listEnvelope(SlotSchema, "ConsultationSlotList"), "A page of slots"),
    ...errorResponses({}),
  },
});

export const create = createRoute({
  method: "post",
  path: "/consultation-slots",
  operationId: "createConsultationSlot",
  summary: "Open a consultation slot",
  description: "Slots may be created in the past to record history; they cannot be booked.",
  tags,
  ...staffOnly,
  request: { body: jsonBody(SlotInput) },
  responses: {
    201: jsonContent(SlotSchema, "The slot, with its Location"),
    ...errorResponses({ auth: true, body: true }),
  },
});

export const get = createRoute({
  method: "get",
  path: "/consultation-slots/{id}",
  operationId: "getConsultationSlot",
  summary: "Get a consultation slot",
  tags,
  request: { params: IdParams },
  responses: {
    200: jsonContent(SlotSchema, "The slot"),
    ...errorResponses({ id: true }),
  },
});

export const replace = createRoute({
  method: "put",
  path: "/consultation-slots/{id}",
  operationId: "replaceConsultationSlot",
  summary: "Replace a consultation slot",
  description: "Every writable field; an omitted optional field takes its default. Serialised with the slot's bookings.",
  tags,
  ...staffOnly,
  request: { params: IdParams, body: jsonBody(SlotInput) },
  responses: {
    200: jsonContent(SlotSchema, "The updated slot"),
    ...errorResponses({ auth: true, body: true, id: true, conflicts: ["kuota_below_terisi"] }),
  },
});

export const update = createRoute({
  method: "patch",
  path: "/consultation-slots/{id}",
  operationId: "updateConsultationSlot",
  summary: "Change a consultation slot",
  description: "Only the fields sent. Lowering kuota below terisi is refused. Serialised with the slot's bookings.",
  tags,
  ...staffOnly,
  request: { params: IdParams, body: jsonBody(SlotPatch) },
  responses: {
    200: jsonContent(SlotSchema, "The updated slot"),
    ...errorResponses({ auth: true, body: true, id: true, conflicts: ["kuota_below_terisi"] }),
  },
});

export const remove = createRoute({
  method: "delete",
  path: "/consultation-slots/{id}",
  operationId: "deleteConsultationSlot",
  summary: "Delete a consultation slot",
  description: "Refused while a reservation is booked or checked in; otherwise its reservations go with it.",
  tags,
  ...staffOnly,
  request: { params: IdParams },
  responses: {
    204: { description: "Deleted" },
    ...errorResponses({ auth: true, id: true, conflicts: ["has_pending_reservations"] }),
  },
});

export type ListRoute = typeof list;
export type CreateRoute = typeof create;
export type GetRoute = typeof get;
export type ReplaceRoute = typeof replace;
export type UpdateRoute = typeof update;
export type RemoveRoute = typeof remove;
