// DOM helpers the Codes dialogs share: a modal <dialog>, a labelled field, a file read for
// the backend.
import type { FileSource } from "../bindings/keydesk";
import { restoreFocus, trapFocus } from "../components/ceremonyDialog";
import { h } from "../dom";

/**
 * A modal <dialog> with a title; Escape closes it, Tab stays inside it, and closing gives focus
 * back to what opened it. Returns the dialog and a close function.
 */
export function modal(title: string, ...content: (Node | string | null)[]): { dialog: HTMLDialogElement; close: () => void } {
  const id = `dlg-${Math.random().toString(36).slice(2)}`;
  const previous = document.activeElement;
  const dialog = h("dialog", { class: "codes-dialog", "aria-labelledby": id }, h("h2", { id }, title), ...content);
  trapFocus(dialog);
  const close = () => {
    dialog.close();
    dialog.remove();
    restoreFocus(previous);
  };
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    close();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  return { dialog, close };
}

/** An input with its <label>. */
export function field(label: string, input: HTMLElement): HTMLElement {
  const id = input.id || `f-${Math.random().toString(36).slice(2)}`;
  input.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), input);
}

/** Reads a picked or dropped file as bytes for the backend. */
export async function fileSource(file: File): Promise<FileSource> {
  return { kind: "bytes", name: file.name, bytes: Array.from(new Uint8Array(await file.arrayBuffer())) };
}

/** Images are QR codes to add; any other file is a backup to import. */
export const IMAGE = /\.(png|jpe?g)$/i;

/** The name a file source shows as. */
export function sourceName(source: FileSource): string {
  return source.kind === "path" ? source.path : source.name;
}
