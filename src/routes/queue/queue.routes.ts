import { createRoute, z } from "@hono/zod-openapi";
import { staffOnly } from "../../lib/auth";
import { problemResponses } from "../../lib/problem";
import { errorResponses, IdParams, jsonContent } from "../common.schemas";
import { ReservationSchema } from "../reservations/reservations.schemas";
import { QueueStatusSchema } from "./queue.schemas";

const tags = ["Queue"];

export const status = createRoute({
  method: "get",
  path: "/consultation-slots/{id}/queue",
  operationId: "getQueueStatus",
  summary: "The slot's queue: who is being served, how many wait",
  tags,
  request: { params: IdParams },
  responses: {
    200: jsonContent(QueueStatusSchema, "The queue status, answered by the slot's object"),
    ...errorResponses({ id: true }),
  },
});

export const next = createRoute({
  method: "post",
  path: "/consultation-slots/{id}/queue/next",
  operationId: "callNextPatient",
  summary: "Call the next patient",
  description:
    "Calls the lowest-numbered pending reservation after the current one; the one served until now becomes `served` (unless staff already gave it a final status). The called reservation keeps its status while it is served. Concurrent calls never skip or repeat a number.",
  tags,
  ...staffOnly,
  // Takes no body: one that is sent anyway is ignored, as on a GET.
  request: { params: IdParams },
  responses: {
    200: jsonContent(ReservationSchema, "The reservation now being served"),
    ...errorResponses({ auth: true, id: true, conflicts: ["queue_empty"] }),
  },
});

export const live = createRoute({
  method: "get",
  path: "/consultation-slots/{id}/queue/live",
  operationId: "watchQueue",
  summary: "Live queue status (WebSocket)",
  description:
    'Upgrade to a WebSocket (`Upgrade: websocket`). The server sends `{"type":"queue","data":QueueStatus}` on connect and after every change (booking, cancel, move, call, kuota); send `ping` to get `pong`. When the slot is deleted it sends `{"type":"closed"}` and closes with code 4404.',
  tags,
  request: { params: IdParams },
  responses: {
    101: { description: "Switching to the WebSocket protocol; messages carry QueueStatus" },
    426: problemResponses("Not a WebSocket upgrade request", ["upgrade_required"]),
    ...errorResponses({ id: true }),
  },
});

export const display = createRoute({
  method: "get",
  path: "/display/{id}",
  operationId: "showWaitingRoomDisplay",
  summary: "Waiting-room screen for a slot (HTML)",
  description: "A self-contained page for a screen in the waiting room: the number being served, the next numbers and the places left, updated live.",
  tags,
  request: { params: IdParams },
  responses: {
    200: {
      description: "The page",
      content: { "text/html": { schema: z.string().openapi({ example: '<!doctype html><html lang="id">…</html>' }) } },
    },
    ...errorResponses({ id: true }),
  },
});

export type StatusRoute = typeof status;
export type NextRoute = typeof next;
export type LiveRoute = typeof live;
export type DisplayRoute = typeof display;
