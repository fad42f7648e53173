/**
 * Where a waiting patient stands and when they are likely to be called (SPEC §10).
 * `posisi` counts the waiting reservations called before this one (0 = next).
 * The service time is learned from the real intervals between calls once three
 * patients were served (never below one minute); before that it is the slot's `durasi_menit`.
 */
import { clinicTimeToUtc, isoNow } from "../lib/clinic-time";

export const SERVED_BEFORE_LEARNING = 3;
export const MIN_SERVICE_MINUTES = 1;

/** The calls made in a slot so far: how many, the first and the last (ISO). */
export interface CallHistory {
  count: number;
  first: string | null;
  last: string | null;
}

export interface QueueTimings {
  tanggal: string;
  waktu: string;
  durasi_menit: number;
  servedCount: number;
  calls: CallHistory;
}

/** Average minutes per patient: learned from calls once enough patients were served. */
export function averageServiceMinutes(t: QueueTimings): number {
  const { count, first, last } = t.calls;
  if (t.servedCount < SERVED_BEFORE_LEARNING || count < 2 || first === null || last === null) return t.durasi_menit;
  // The mean interval between consecutive calls is the whole span over the number of intervals.
  const span = Date.parse(last) - Date.parse(first);
  // Calls clicked through in quick succession (or before the slot starts) would teach an
  // average near zero and promise every waiting patient the same minute: a visit takes one at least.
  return Math.max(MIN_SERVICE_MINUTES, span / (count - 1) / 60_000);
}

export function estimatedCall(t: QueueTimings, posisi: number, timeZone: string, now: Date = new Date()): string {
  const start = clinicTimeToUtc(t.tanggal, t.waktu, timeZone).getTime();
  const from = Math.max(start, now.getTime());
  return isoNow(new Date(from + posisi * averageServiceMinutes(t) * 60_000));
}
