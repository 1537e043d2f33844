// How the account's passkeys on the server are shown: name, a short credential ID, when it was
// created and last used; newest use first.

/** The parts of a passkey the list shows. */
export interface PasskeyLike {
  id: string;
  name: string;
  /** Unix seconds. */
  created_at: number;
  /** Unix seconds; null when never used to log on. */
  last_used_at: number | null;
}

/** The server allows at most this many passkeys per user. */
export const MAX_PASSKEYS = 5;

/** "3f9a…c21b": enough of a long credential ID to tell passkeys apart. */
export function shortId(id: string): string {
  return id.length <= 12 ? id : `${id.slice(0, 6)}…${id.slice(-4)}`;
}

/** "just now", "5 minutes ago", "3 hours ago", "2 days ago", else the date (YYYY-MM-DD). */
export function relativeTime(unix: number | null, nowUnix: number): string {
  if (unix === null) return "never";
  const seconds = nowUnix - unix;
  if (seconds < 0) return isoDate(unix);
  if (seconds < 60) return "just now";
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"} ago`;
  if (seconds < 3600) return plural(Math.floor(seconds / 60), "minute");
  if (seconds < 86400) return plural(Math.floor(seconds / 3600), "hour");
  if (seconds < 30 * 86400) return plural(Math.floor(seconds / 86400), "day");
  return isoDate(unix);
}

export function isoDate(unix: number): string {
  return new Date(unix * 1000).toISOString().slice(0, 10);
}

/** Most recently used first; never-used ones after, newest created first. */
export function sortPasskeys<T extends PasskeyLike>(passkeys: readonly T[]): T[] {
  return [...passkeys].sort((a, b) => {
    if (a.last_used_at !== b.last_used_at) {
      if (a.last_used_at === null) return 1;
      if (b.last_used_at === null) return -1;
      return b.last_used_at - a.last_used_at;
    }
    return b.created_at - a.created_at;
  });
}

/** "2 of 5 passkeys: you can add 3 more." */
export function capacityText(count: number, max = MAX_PASSKEYS): string {
  const left = Math.max(0, max - count);
  const noun = count === 1 ? "passkey" : "passkeys";
  return left === 0 ? `${count} of ${max} ${noun}: delete one to add another.` : `${count} of ${max} ${noun}: you can add ${left} more.`;
}

/** A name for a new passkey: trimmed, not empty, not used by another passkey (the server requires unique names). */
export function validatePasskeyName(name: string, existing: readonly PasskeyLike[], renaming: string | null = null): string | null {
  const trimmed = name.trim();
  if (trimmed === "") return "Give the passkey a name.";
  if ([...trimmed].length > 64 || /[\u0000-\u001f\u007f]/.test(trimmed)) return "At most 64 printable characters.";
  if (existing.some((p) => p.id !== renaming && p.name.toLowerCase() === trimmed.toLowerCase())) {
    return `A passkey named "${trimmed}" exists already.`;
  }
  return null;
}

/** Screen-reader description of one passkey row. */
export function describePasskey(p: PasskeyLike, nowUnix: number): string {
  return `${p.name}, created ${relativeTime(p.created_at, nowUnix)}, last used ${relativeTime(p.last_used_at, nowUnix)}`;
}
