import type { ProblemCode } from "../lib/problem";

/**
 * What the slot object answers. Refusals come back as values, not thrown
 * errors: they are expected answers, and throwing across RPC would also log
 * them as failures.
 */
export type RefusalCode = ProblemCode | "moved";

export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; code: RefusalCode; detail: string; /** for "moved": where the reservation is now */ slotId?: number };
