/**
 * Clinic-local time. Slots are written in the clinic's wall-clock time
 * (`tanggal` + `waktu`), so "is this slot still ahead?" compares against now in
 * CLINIC_TIMEZONE (Asia/Jakarta by default), never the server's UTC.
 */

/** The clinic's time zone: the CLINIC_TIMEZONE var, Asia/Jakarta (WIB) when unset. */
export function clinicTimeZone(env: Pick<Env, "CLINIC_TIMEZONE">): string {
  return env.CLINIC_TIMEZONE || "Asia/Jakarta";
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Now in the clinic as `YYYY-MM-DDTHH:MM`, comparable as a string with `tanggal + 'T' + waktu`. */
export function clinicNow(timeZone: string, at: Date = new Date()): string {
  const parts = Object.fromEntries(formatterFor(timeZone).formatToParts(at).map((p) => [p.type, p.value]));
  // Intl does not pad years below 1000; the comparison with `tanggal` needs four digits.
  return `${String(parts.year).padStart(4, "0")}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** A slot whose start minute has been reached can no longer be booked. */
export function slotHasStarted(tanggal: string, waktu: string, timeZone: string, at: Date = new Date()): boolean {
  return `${tanggal}T${waktu}` <= clinicNow(timeZone, at);
}

/** The UTC instant of a clinic wall-clock time (handles any zone offset, DST included). */
export function clinicTimeToUtc(tanggal: string, waktu: string, timeZone: string): Date {
  const asIfUtc = Date.parse(`${tanggal}T${waktu}:00Z`);
  // The zone's offset at (about) that instant; evaluated twice to settle DST edges.
  let guess = asIfUtc;
  for (let i = 0; i < 2; i++) {
    const local = Date.parse(`${clinicNow(timeZone, new Date(guess))}:00Z`);
    guess = asIfUtc - (local - guess);
  }
  return new Date(guess);
}

/** ISO-8601 UTC to the second, as every timestamp in the API: `2026-12-04T15:00:00Z`. */
export function isoNow(at: Date = new Date()): string {
  return at.toISOString().replace(/\.\d{3}Z$/, "Z");
}
