// The undo window after a delete: the deleted account can be restored for a while (the vault
// keeps it in its trash; after the window the screen no longer offers it).

/** Seconds the "Undo" button stays. */
export const UNDO_SECONDS = 10;

export interface PendingUndo {
  id: string;
  label: string;
  deletedAtMs: number;
}

/** Deletions that can still be undone, newest last. */
export class UndoWindow {
  private pending: PendingUndo[] = [];

  constructor(private readonly windowSeconds = UNDO_SECONDS) {}

  deleted(id: string, label: string, nowMs: number): void {
    this.pending = this.pending.filter((p) => p.id !== id);
    this.pending.push({ id, label, deletedAtMs: nowMs });
  }

  /** The deletion an "Undo" restores now (the newest still in its window), if any. */
  current(nowMs: number): PendingUndo | null {
    this.expire(nowMs);
    return this.pending[this.pending.length - 1] ?? null;
  }

  /** Seconds left to undo `current`. */
  secondsLeft(nowMs: number): number {
    const current = this.current(nowMs);
    if (!current) return 0;
    return Math.max(0, Math.ceil((current.deletedAtMs + this.windowSeconds * 1000 - nowMs) / 1000));
  }

  /** Takes the newest undoable deletion (the caller restores it). */
  take(nowMs: number): PendingUndo | null {
    this.expire(nowMs);
    return this.pending.pop() ?? null;
  }

  private expire(nowMs: number): void {
    this.pending = this.pending.filter((p) => nowMs - p.deletedAtMs < this.windowSeconds * 1000);
  }
}
