// Search, tag filter and display order of the account list.

/** The parts of a row search and order look at. */
export interface Listed {
  id: string;
  issuer: string;
  name: string;
  note: string;
  tags: string[];
  pinned: boolean;
  order: number;
}

/** Whether `row` matches `query` (issuer, name, tags or note contain it; case-insensitive). */
export function matchesSearch(row: Listed, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === "") return true;
  return (
    row.issuer.toLowerCase().includes(q) ||
    row.name.toLowerCase().includes(q) ||
    row.note.toLowerCase().includes(q) ||
    row.tags.some((t) => t.toLowerCase().includes(q))
  );
}

/** Whether `row` has `tag` (case-insensitive); a null tag matches every row. */
export function hasTag(row: Listed, tag: string | null): boolean {
  if (tag === null || tag === "") return true;
  const wanted = tag.trim().toLowerCase();
  return row.tags.some((t) => t.toLowerCase() === wanted);
}

/** Pinned first, then the manual order, then issuer and name (stable for equal keys). */
export function sortRows<T extends Listed>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => {
    if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
    if (a.order !== b.order) return a.order - b.order;
    const issuer = a.issuer.localeCompare(b.issuer);
    return issuer !== 0 ? issuer : a.name.localeCompare(b.name);
  });
}

/** The rows to show: matching search and tag, in display order. */
export function visibleRows<T extends Listed>(rows: readonly T[], query: string, tag: string | null): T[] {
  return sortRows(rows.filter((r) => matchesSearch(r, query) && hasTag(r, tag)));
}

/** Every tag in use, each once (first spelling wins), sorted case-insensitively. */
export function allTags(rows: readonly Listed[]): string[] {
  const seen = new Map<string, string>();
  for (const row of rows) {
    for (const tag of row.tags) {
      const key = tag.toLowerCase();
      if (!seen.has(key)) seen.set(key, tag);
    }
  }
  return [...seen.values()].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}

/**
 * The new manual order after moving `id` by `delta` places among `orderedIds` (keyboard
 * reordering: Alt+Up / Alt+Down). Unchanged when the move would leave the list.
 */
export function moveId(orderedIds: readonly string[], id: string, delta: number): string[] {
  const from = orderedIds.indexOf(id);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= orderedIds.length || delta === 0) return [...orderedIds];
  const result = [...orderedIds];
  result.splice(from, 1);
  result.splice(to, 0, id);
  return result;
}

/** Tags typed as "work, email ,, bank" -> ["work", "email", "bank"] (blank and repeated dropped). */
export function parseTags(text: string): string[] {
  const result: string[] = [];
  for (const part of text.split(",")) {
    const tag = part.trim();
    if (tag !== "" && !result.some((t) => t.toLowerCase() === tag.toLowerCase())) result.push(tag);
  }
  return result;
}

/** "ACME: alice", or whichever half exists, or "(unnamed)". */
export function accountLabel(row: { issuer: string; name: string }): string {
  if (row.issuer && row.name) return `${row.issuer}: ${row.name}`;
  return row.issuer || row.name || "(unnamed)";
}
