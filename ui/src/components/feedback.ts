// Messages for the person: a live region for results, error boxes that say what to do next,
// and a confirmation dialog.
import type { AppError } from "../bindings/keydesk";
import { h } from "../dom";
import { toAppError } from "../ipc";
import { restoreFocus, trapFocus } from "./ceremonyDialog";

/** Announces `text` in the app's live region (and shows it briefly). */
export function announce(text: string): void {
  const region = document.getElementById("announcer");
  if (region) {
    region.textContent = "";
    region.textContent = text;
  }
}

/** An error box: the message says what to do next; `kind` is kept for tests and styling. */
export function errorBox(error: unknown): HTMLElement {
  const e: AppError = toAppError(error);
  return h("div", { class: "error", role: "alert", "data-kind": e.kind }, e.message);
}

/** Asks a yes/no question in a modal dialog; resolves true only on the confirm button. */
export function confirmDialog(question: string, detail: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const previous = document.activeElement;
    const done = (value: boolean) => {
      dialog.close();
      dialog.remove();
      // Back to the control that asked, so a following ceremony dialog returns there too.
      restoreFocus(previous);
      resolve(value);
    };
    const no = h("button", { type: "button", onclick: () => done(false) }, "Cancel");
    const yes = h("button", { type: "button", class: "danger", onclick: () => done(true) }, confirmLabel);
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-detail" },
      h("h2", { id: "confirm-title" }, question),
      h("p", { id: "confirm-detail" }, detail),
      h("div", { class: "actions" }, no, yes),
    );
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      done(false);
    });
    trapFocus(dialog);
    document.body.appendChild(dialog);
    dialog.showModal();
    no.focus();
  });
}
