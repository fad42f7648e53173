import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Database = DrizzleD1Database<typeof schema>;

export function createDb(d1: D1Database): Database {
  return drizzle(d1, { schema });
}

/**
 * The SQLite message behind a D1 error. Drizzle wraps D1's error (whose
 * message names the constraint) in a DrizzleQueryError whose own message
 * carries the bound parameters: patient data, so it is only matched, never logged.
 */
export function sqliteMessage(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    messages.push(current.message);
    current = current.cause;
  }
  return messages.join(" | ");
}

export type ConstraintKind = "unique_email" | "unique_slot_patient" | "unique_slot_number" | "foreign_key" | "check";

export function constraintViolated(error: unknown): ConstraintKind | null {
  const m = sqliteMessage(error);
  if (m.includes("patients_email_lower_unique")) return "unique_email";
  if (/UNIQUE constraint failed: reservations\.consultation_slot_id, reservations\.patient_id/.test(m)) {
    return "unique_slot_patient";
  }
  if (/UNIQUE constraint failed: reservations\.consultation_slot_id, reservations\.nomor_antrian/.test(m)) {
    return "unique_slot_number";
  }
  if (m.includes("FOREIGN KEY constraint failed")) return "foreign_key";
  if (m.includes("CHECK constraint failed")) return "check";
  return null;
}
