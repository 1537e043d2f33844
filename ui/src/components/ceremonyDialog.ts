// A modal dialog that shows a ceremony: touch prompts, PIN prompts with retries left, choices,
// fingerprint samples and progress, with Cancel (Escape works too).
import type { CeremonyEvent } from "../bindings/keydesk";
import { h, replace } from "../dom";
import type { CeremonyUi } from "../ipc";
import { pinPrompt } from "../views/pin";
import { enrollPercent, enrollStep } from "../views/fingerprint";

/** Options for the dialog. */
export interface DialogOptions {
  /** Heading, e.g. "Changing the PIN". */
  title: string;
  /** Samples the sensor needs (for the enrollment progress bar). */
  samplesPerEnrollment?: number | null;
  /** What the person should do while the key works (shown at the start and after a PIN). */
  waiting?: string;
  /** The words of a touch request, when this ceremony needs other words than a plain touch. */
  touchPrompt?: string;
  /** Steps to show in order above the live status (the guided reset). */
  steps?: string[];
  /** Where focus goes after the dialog closes when the control that opened it is gone. */
  returnFocus?: () => HTMLElement | null;
}

/** The controls Tab can reach inside `root`, in order. */
function tabbable(root: HTMLElement): HTMLElement[] {
  const candidates = root.querySelectorAll<HTMLElement>("button, [href], input, select, textarea, summary, [tabindex]");
  return Array.from(candidates).filter(
    (el) => el.tabIndex >= 0 && !(el as HTMLButtonElement).disabled && !el.closest("[hidden]") && el.getClientRects().length > 0,
  );
}

/** Keeps Tab and Shift+Tab inside a modal dialog (the browser would move on to its own UI). */
export function trapFocus(dialog: HTMLDialogElement): void {
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const items = tabbable(dialog);
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) {
      event.preventDefault();
      return;
    }
    const active = document.activeElement;
    if (event.shiftKey && (active === first || !dialog.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !dialog.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  });
}

/** Puts focus back where it was before a dialog opened, or on a sensible fallback. */
export function restoreFocus(previous: Element | null, fallback?: () => HTMLElement | null): void {
  if (previous instanceof HTMLElement && previous !== document.body && previous.isConnected && !previous.closest("dialog")) {
    previous.focus();
    return;
  }
  const target = fallback?.() ?? (document.getElementById("main") as HTMLElement | null);
  target?.focus();
}

/** A CeremonyUi in a <dialog>; call `close()` when the command settles. */
export function ceremonyDialog(options: DialogOptions): CeremonyUi & { close(): void } {
  const previous = document.activeElement;
  const waiting = options.waiting ?? "Working…";
  const status = h("p", { class: "ceremony-status", role: "status", "aria-live": "polite" }, waiting);
  const body = h("div", { class: "ceremony-body" });
  let cancel: () => void = () => undefined;
  const cancelButton = h("button", { type: "button", onclick: () => cancel() }, "Cancel");
  const dialog = h(
    "dialog",
    { class: "ceremony", "aria-labelledby": "ceremony-title" },
    h("h2", { id: "ceremony-title" }, options.title),
    options.steps?.length ? h("ol", { class: "steps" }, ...options.steps.map((step) => h("li", {}, step))) : null,
    status,
    body,
    h("div", { class: "actions" }, cancelButton),
  );
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    cancel();
  });
  trapFocus(dialog);
  document.body.appendChild(dialog);
  dialog.showModal();
  cancelButton.focus();

  const say = (text: string) => {
    status.textContent = text;
  };

  return {
    setCancel(fn) {
      cancel = () => {
        say("Cancelling…");
        fn();
      };
    },
    show(event: CeremonyEvent) {
      switch (event.kind) {
        case "touch_needed":
          say(options.touchPrompt ?? "Touch your security key now (it may blink).");
          break;
        case "uv_needed":
          say("Touch the fingerprint sensor.");
          break;
        case "uv_failed":
          say(`Fingerprint not recognised${event.retries_left === null ? "" : ` (${event.retries_left} tries left)`}.`);
          break;
        case "fingerprint_sample": {
          const percent = enrollPercent(options.samplesPerEnrollment ?? null, event.remaining_samples);
          say(enrollStep(options.samplesPerEnrollment ?? null, event.remaining_samples, event.status, event.advice));
          replace(
            body,
            h("progress", { max: 100, value: percent, "aria-label": "Fingerprint enrollment progress" }),
            h("span", { class: "percent" }, `${percent}%`),
          );
          break;
        }
        case "progress":
          say(event.label);
          if (event.total > 0) {
            replace(body, h("progress", { max: event.total, value: event.done, "aria-label": event.label }));
          }
          break;
        default:
          break;
      }
    },
    askPin(event) {
      const words = pinPrompt(event);
      say(words.title);
      return new Promise((resolve) => {
        const input = h("input", {
          type: "password",
          id: "ceremony-pin",
          autocomplete: "off",
          "aria-describedby": "ceremony-pin-detail",
        });
        const form = h(
          "form",
          { class: "pin-form" },
          h("p", { id: "ceremony-pin-detail", class: words.urgent ? "warning" : "" }, words.detail),
          h("label", { for: "ceremony-pin" }, "PIN"),
          input,
          h("button", { type: "submit", class: "primary" }, "Continue"),
        );
        form.addEventListener("submit", (e) => {
          e.preventDefault();
          const pin = input.value;
          input.value = "";
          replace(body);
          say(options.waiting ?? "Checking the PIN…");
          resolve(pin);
        });
        const previous = cancel;
        cancel = () => {
          replace(body);
          resolve(null);
          previous();
        };
        replace(body, form);
        input.focus();
      });
    },
    choose(event) {
      const names =
        event.kind === "choose_account"
          ? event.accounts.map((a) => a.display_name ?? a.name ?? "(no name stored)")
          : event.devices.map((d) => d.name);
      say(event.kind === "choose_account" ? "Choose an account" : "Choose a device");
      return new Promise((resolve) => {
        const list = h(
          "ul",
          { class: "choices", "aria-label": "Choices" },
          ...names.map((name, index) =>
            h(
              "li",
              {},
              h("button", { type: "button", onclick: () => { replace(body); resolve(index); } }, name),
            ),
          ),
        );
        const previous = cancel;
        cancel = () => {
          replace(body);
          resolve(null);
          previous();
        };
        replace(body, list);
        (list.querySelector("button") as HTMLButtonElement | null)?.focus();
      });
    },
    close() {
      dialog.close();
      dialog.remove();
      restoreFocus(previous, options.returnFocus);
    },
  };
}

/** Runs `work` with a ceremony dialog, closing it however `work` ends. */
export async function withDialog<T>(options: DialogOptions, work: (ui: CeremonyUi) => Promise<T>): Promise<T> {
  const ui = ceremonyDialog(options);
  try {
    return await work(ui);
  } finally {
    ui.close();
  }
}
