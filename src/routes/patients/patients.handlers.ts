import { constraintViolated, createDb } from "../../db/client";
import { ApiError } from "../../lib/problem";
import type { AppRouteHandler } from "../../lib/types";
import { erasePatient, findPatient, insertPatient, listPatients, updatePatient, type PatientFields } from "../../queries/patients";
import { slotBooker } from "../../slot-booker/slot-booker";
import type { CreateRoute, GetRoute, ListRoute, RemoveRoute, ReplaceRoute, UpdateRoute } from "./patients.routes";

function notFound(id: number): ApiError {
  return new ApiError("not_found", `Patient ${id} does not exist.`);
}

/** Runs a write; a clash on the case-insensitive email index becomes 409 `email_taken`. */
async function withUniqueEmail<T>(email: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (constraintViolated(error) === "unique_email") {
      throw new ApiError("email_taken", `The email ${email ?? "given"} is already registered to another patient.`);
    }
    throw error;
  }
}

export const list: AppRouteHandler<ListRoute> = async (c) => {
  const { q, limit, offset } = c.req.valid("query");
  return c.json(await listPatients(createDb(c.env.DB), { q }, { limit, offset }), 200);
};

export const create: AppRouteHandler<CreateRoute> = async (c) => {
  const fields: PatientFields = c.req.valid("json");
  const patient = await withUniqueEmail(fields.email, () => insertPatient(createDb(c.env.DB), fields));
  c.header("Location", `/patients/${patient.id}`);
  return c.json(patient, 201);
};

export const get: AppRouteHandler<GetRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const patient = await findPatient(createDb(c.env.DB), id);
  if (!patient) throw notFound(id);
  return c.json(patient, 200);
};

export const replace: AppRouteHandler<ReplaceRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const fields = c.req.valid("json");
  const patient = await withUniqueEmail(fields.email, () => updatePatient(createDb(c.env.DB), id, fields));
  if (!patient) throw notFound(id);
  return c.json(patient, 200);
};

export const update: AppRouteHandler<UpdateRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const fields = c.req.valid("json");
  const db = createDb(c.env.DB);
  const patient =
    Object.keys(fields).length === 0
      ? await findPatient(db, id)
      : await withUniqueEmail(fields.email, () => updatePatient(db, id, fields));
  if (!patient) throw notFound(id);
  return c.json(patient, 200);
};

export const remove: AppRouteHandler<RemoveRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const result = await erasePatient(createDb(c.env.DB), id);
  if (result.outcome === "not_found") throw notFound(id);
  if (result.outcome === "has_pending_reservations") {
    throw new ApiError(
      "has_pending_reservations",
      `Patient ${id} still has ${result.pending} booked or checked-in reservation(s); cancel them before erasing the patient.`,
    );
  }
  // The erased reservations held places (served, no-show): their slots recount from D1.
  await Promise.all(result.slotIds.map((slotId) => slotBooker(c.env, slotId).placeReleased(slotId)));
  return c.body(null, 204);
};
