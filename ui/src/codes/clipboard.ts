// Clipboard hygiene, the window's side. The backend clears a copied code after the delay on its
// own (also for a copy from the tray, window open or not), so the window only shows the
// countdown; it asks for a clear itself only when the screen is left or the vault locks. (A
// timed clear here as well could wipe a newer copy made from the tray before its delay.)

/** Seconds a copied code stays on the clipboard. */
export const CLEAR_AFTER_SECONDS = 30;

/** Timer functions, injectable for tests. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What the screen shows about the clipboard. */
export type ClipboardState = { kind: "idle" } | { kind: "holding"; label: string; clearsAtMs: number };

/**
 * Tracks the countdown after each copy. `clear` asks the backend to clear the clipboard at once
 * if it still holds our code (used by `flush`); `onChange` re-renders the status line.
 */
export class ClipboardAutoClear {
  private handle: unknown = null;
  private state: ClipboardState = { kind: "idle" };

  constructor(
    private readonly clear: () => Promise<unknown>,
    private readonly onChange: (state: ClipboardState) => void,
    private readonly timers: Timers = globalThis,
    private readonly clearAfterSeconds = CLEAR_AFTER_SECONDS,
  ) {}

  /** A code was copied at `nowMs`: (re)start the delay (`seconds`: the backend's delay). */
  copied(label: string, nowMs: number, seconds = this.clearAfterSeconds): void {
    this.cancel();
    this.state = { kind: "holding", label, clearsAtMs: nowMs + seconds * 1000 };
    this.onChange(this.state);
    this.handle = this.timers.setTimeout(() => {
      this.handle = null;
      this.state = { kind: "idle" };
      this.onChange(this.state);
    }, seconds * 1000);
  }

  /** Stops the pending clear (the screen is left: the clear happens at once instead). */
  cancel(): void {
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = null;
  }

  /** Clears now if a code is still held (leaving the screen, locking the vault). */
  flush(): Promise<unknown> {
    const holding = this.state.kind === "holding";
    this.cancel();
    this.state = { kind: "idle" };
    this.onChange(this.state);
    return holding ? this.clear() : Promise.resolve();
  }

  current(): ClipboardState {
    return this.state;
  }
}

/** The status line: "ACME: alice copied; the clipboard clears in 12 s." */
export function clipboardStatus(state: ClipboardState, nowMs: number): string {
  if (state.kind === "idle") return "";
  const left = Math.max(0, Math.ceil((state.clearsAtMs - nowMs) / 1000));
  return `${state.label} copied; the clipboard clears in ${left} s.`;
}
