import { createRoute } from "@hono/zod-openapi";
import { staffOnly } from "../../lib/auth";
import { errorResponses, IdParams, jsonBody, jsonContent, listEnvelope } from "../common.schemas";
import { PatientInput, PatientListQuery, PatientPatch, PatientSchema } from "./patients.schemas";

const tags = ["Patients"];

export const list = createRoute({
  method: "get",
  path: "/patients",
  operationId: "listPatients",
  summary: "List patients",
  description: "Patients sorted by id; `q` matches a substring of nama, email or nomor_telepon.",
  tags,
  ...staffOnly,
  request: { query: PatientListQuery },
  responses: {
    200: jsonContent(listEnvelope(PatientSchema, "PatientList"), "A page of patients"),
    ...errorResponses({ auth: true }),
  },
});

export const create = createRoute({
  method: "post",
  path: "/patients",
  operationId: "createPatient",
  summary: "Register a patient",
  tags,
  ...staffOnly,
  request: { body: jsonBody(PatientInput) },
  responses: {
    201: jsonContent(PatientSchema, "The patient, with its Location"),
    ...errorResponses({ auth: true, body: true, conflicts: ["email_taken"] }),
  },
});

export const get = createRoute({
  method: "get",
  path: "/patients/{id}",
  operationId: "getPatient",
  summary: "Get a patient",
  tags,
  ...staffOnly,
  request: { params: IdParams },
  responses: {
    200: jsonContent(PatientSchema, "The patient"),
    ...errorResponses({ auth: true, id: true }),
  },
});

export const replace = createRoute({
  method: "put",
  path: "/patients/{id}",
  operationId: "replacePatient",
  summary: "Replace a patient's details",
  tags,
  ...staffOnly,
  request: { params: IdParams, body: jsonBody(PatientInput) },
  responses: {
    200: jsonContent(PatientSchema, "The updated patient"),
    ...errorResponses({ auth: true, body: true, id: true, conflicts: ["email_taken"] }),
  },
});

export const update = createRoute({
  method: "patch",
  path: "/patients/{id}",
  operationId: "updatePatient",
  summary: "Change some of a patient's details",
  tags,
  ...staffOnly,
  request: { params: IdParams, body: jsonBody(PatientPatch) },
  responses: {
    200: jsonContent(PatientSchema, "The updated patient"),
    ...errorResponses({ auth: true, body: true, id: true, conflicts: ["email_taken"] }),
  },
});

export const remove = createRoute({
  method: "delete",
  path: "/patients/{id}",
  operationId: "deletePatient",
  summary: "Erase a patient",
  description:
    "Erases the patient and their past reservations. Refused with 409 `has_pending_reservations` while any reservation is booked or checked in.",
  tags,
  ...staffOnly,
  request: { params: IdParams },
  responses: {
    204: { description: "Erased" },
    ...errorResponses({ auth: true, id: true, conflicts: ["has_pending_reservations"] }),
  },
});

export type ListRoute = typeof list;
export type CreateRoute = typeof create;
export type GetRoute = typeof get;
export type ReplaceRoute = typeof replace;
export type UpdateRoute = typeof update;
export type RemoveRoute = typeof remove;
