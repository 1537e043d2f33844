// Countdown of time-based codes. The backend sends each code with its seconds remaining at
// the moment it answered; the screen counts down locally and asks again when a code expires.

/** The parts of a code row the countdown needs. */
export interface Timed {
  period: number | null;
  seconds_remaining: number | null;
}

/** Seconds left now, given the answer's time `fetchedAtMs`; null for codes without a period. */
export function secondsLeft(row: Timed, fetchedAtMs: number, nowMs: number): number | null {
  if (row.seconds_remaining === null || row.period === null) return null;
  const elapsed = Math.max(0, Math.floor((nowMs - fetchedAtMs) / 1000));
  return Math.max(0, row.seconds_remaining - elapsed);
}

/** Fraction of the period left (1 = fresh code, 0 = expired), for a progress ring/bar. */
export function progress(left: number | null, period: number | null): number {
  if (left === null || period === null || period <= 0) return 0;
  return Math.min(1, Math.max(0, left / period));
}

/** "soon" in the last 5 seconds (the code may not be accepted by the time it is typed). */
export function urgency(left: number | null): "none" | "ok" | "soon" | "expired" {
  if (left === null) return "none";
  if (left <= 0) return "expired";
  return left <= 5 ? "soon" : "ok";
}

/**
 * Milliseconds until the first code in `rows` expires (then the list is fetched again), or
 * null when no code expires (HOTP only, or empty).
 */
export function msUntilRefresh(rows: readonly Timed[], fetchedAtMs: number, nowMs: number): number | null {
  let soonest: number | null = null;
  for (const row of rows) {
    if (row.seconds_remaining === null || row.period === null) continue;
    const expiresAt = fetchedAtMs + row.seconds_remaining * 1000;
    if (soonest === null || expiresAt < soonest) soonest = expiresAt;
  }
  return soonest === null ? null : Math.max(0, soonest - nowMs);
}

/** Digits in groups ("123 456", "1234 5678", "12 345 678 9"?): 6 -> 3+3, 8 -> 4+4, else 3s. */
export function groupCode(code: string): string {
  if (!/^\d+$/.test(code)) return code;
  if (code.length === 8) return `${code.slice(0, 4)} ${code.slice(4)}`;
  if (code.length <= 4) return code;
  const groups: string[] = [];
  for (let i = 0; i < code.length; i += 3) groups.push(code.slice(i, i + 3));
  return groups.join(" ");
}

/** Words for a screen reader: "123 456, 17 seconds left". */
export function spokenCode(code: string | null, left: number | null): string {
  if (code === null) return "no code";
  const spelled = code.split("").join(" ");
  if (left === null) return spelled;
  return `${spelled}, ${left} ${left === 1 ? "second" : "seconds"} left`;
}
