// The import wizard's state: choose a file -> (password, for encrypted backups) -> preview
// every entry, choose which new ones to import -> done. Nothing is written before "Import".

/** The parts of a preview entry the wizard needs. */
export interface EntryLike {
  label: string;
  action: string; // "new" | "duplicate" | "skipped"
  duplicate_of: string | null;
  reason: string | null;
}

export interface PreviewLike {
  preview_id: string;
  format: string;
  entries: EntryLike[];
  not_otp_items: number;
}

export type WizardState =
  | { step: "choose"; error: string | null }
  | { step: "password"; file: string; error: string | null }
  | { step: "preview"; file: string; preview: PreviewLike; selected: number[] }
  | { step: "done"; imported: number; notImported: number };

export type WizardEvent =
  | { kind: "chose"; file: string }
  | { kind: "needs_password"; file: string; wrong: boolean }
  | { kind: "failed"; message: string }
  | { kind: "previewed"; file: string; preview: PreviewLike }
  | { kind: "toggle"; index: number }
  | { kind: "select_all"; selected: boolean }
  | { kind: "imported"; count: number }
  | { kind: "restart" };

export const START: WizardState = { step: "choose", error: null };

/** Indices of the entries that can be imported (new ones). */
export function importable(preview: PreviewLike): number[] {
  return preview.entries.flatMap((e, i) => (e.action === "new" ? [i] : []));
}

export function next(state: WizardState, event: WizardEvent): WizardState {
  switch (event.kind) {
    case "restart":
      return START;
    case "chose":
      return { step: "choose", error: null };
    case "needs_password":
      return { step: "password", file: event.file, error: event.wrong ? "Wrong password for this backup. Try again." : null };
    case "failed":
      return state.step === "password" ? { ...state, error: event.message } : { step: "choose", error: event.message };
    case "previewed":
      return { step: "preview", file: event.file, preview: event.preview, selected: importable(event.preview) };
    case "toggle": {
      if (state.step !== "preview") return state;
      if (state.preview.entries[event.index]?.action !== "new") return state;
      const selected = state.selected.includes(event.index)
        ? state.selected.filter((i) => i !== event.index)
        : [...state.selected, event.index].sort((a, b) => a - b);
      return { ...state, selected };
    }
    case "select_all":
      if (state.step !== "preview") return state;
      return { ...state, selected: event.selected ? importable(state.preview) : [] };
    case "imported": {
      if (state.step !== "preview") return { step: "done", imported: event.count, notImported: 0 };
      return { step: "done", imported: event.count, notImported: state.preview.entries.length - event.count };
    }
  }
}

/** Words for one entry's fate. */
export function entryStatus(entry: EntryLike, selected: boolean): string {
  switch (entry.action) {
    case "new":
      return selected ? "Will be imported" : "Not selected";
    case "duplicate":
      return "Already in your codes (same secret): not imported";
    default:
      return `Cannot be imported: ${entry.reason ?? "unreadable"}`;
  }
}

/** The summary above the Import button; never claims more than will happen. */
export function summary(preview: PreviewLike, selected: readonly number[]): string {
  const total = preview.entries.length;
  const duplicates = preview.entries.filter((e) => e.action === "duplicate").length;
  const skipped = preview.entries.filter((e) => e.action === "skipped").length;
  const unselected = importable(preview).length - selected.length;
  const parts = [`${selected.length} of ${total} ${total === 1 ? "entry" : "entries"} will be imported`];
  if (duplicates) parts.push(`${duplicates} already present`);
  if (skipped) parts.push(`${skipped} cannot be read`);
  if (unselected) parts.push(`${unselected} not selected`);
  if (preview.not_otp_items) parts.push(`${preview.not_otp_items} other items in the file are not one-time-password accounts`);
  return `${parts.join("; ")}.`;
}

export function canImport(state: WizardState): boolean {
  return state.step === "preview" && state.selected.length > 0;
}
