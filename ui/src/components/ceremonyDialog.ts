// A modal dialog that shows a ceremony: touch prompts, PIN prompts with retries left, choices,
// fingerprint samples and progress, with Cancel (Escape works too).
import type { CeremonyEvent } from "../bindings/keydesk";
import { h, replace } from "../dom";
import type { CeremonyUi } from "../ipc";
import { pinPrompt } from "../views/pin";
import { enrollPercent } from "../views/fingerprint";

/** Options for the dialog. */
export interface DialogOptions {
  /** Heading, e.g. "Changing the PIN". */
  title: string;
  /** Samples the sensor needs (for the enrollment progress bar). */
  samplesPerEnrollment?: number | null;
}

/** A CeremonyUi in a <dialog>; call `close()` when the command settles. */
export function ceremonyDialog(options: DialogOptions): CeremonyUi & { close(): void } {
  const status = h("p", { class: "ceremony-status", role: "status", "aria-live": "polite" }, "Working…");
  const body = h("div", { class: "ceremony-body" });
  let cancel: () => void = () => undefined;
  const cancelButton = h("button", { type: "button", onclick: () => cancel() }, "Cancel");
  const dialog = h(
    "dialog",
    { class: "ceremony", "aria-labelledby": "ceremony-title" },
    h("h2", { id: "ceremony-title" }, options.title),
    status,
    body,
    h("div", { class: "actions" }, cancelButton),
  );
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    cancel();
  });
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
          say("Touch your security key now (it may blink).");
          break;
        case "uv_needed":
          say("Touch the fingerprint sensor.");
          break;
        case "uv_failed":
          say(`Fingerprint not recognised${event.retries_left === null ? "" : ` (${event.retries_left} tries left)`}.`);
          break;
        case "fingerprint_sample": {
          const percent = enrollPercent(options.samplesPerEnrollment ?? null, event.remaining_samples);
          say(`${event.advice} ${event.remaining_samples} more good samples needed.`);
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
          say("Checking the PIN…");
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
