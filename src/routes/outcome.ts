import { ApiError } from "../lib/problem";
import type { Outcome } from "../slot-booker/outcome";

/**
 * The value of a slot object's answer, or the matching problem. `moved` is
 * handled by the callers that can follow a reservation to its new slot.
 */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  if (outcome.code === "moved") {
    throw new ApiError("service_unavailable", "The reservation moved while it was being changed; retry.", {
      headers: { "Retry-After": "1" },
    });
  }
  const headers: Record<string, string> = outcome.code === "service_unavailable" ? { "Retry-After": "1" } : {};
  throw new ApiError(outcome.code, outcome.detail, { headers });
}
