// The import dialog: choose a backup (or arrive with a dropped file, or with the preview of a
// screen capture) -> password if encrypted -> every entry previewed, choose the new ones ->
// import, with progress over a Channel and Cancel (nothing is written when cancelled).
import { api } from "../api";
import type { FileSource, ImportPreviewView } from "../bindings/keydesk";
import { withDialog } from "../components/ceremonyDialog";
import { announce, errorBox } from "../components/feedback";
import { h, replace } from "../dom";
import { toAppError } from "../ipc";
import type { CodesContext } from "./context";
import { field, fileSource, modal, sourceName } from "./dialog";
import { canImport, entryStatus, next, START, summary, type WizardState } from "./importWizard";

/** Where the dialog starts: nothing chosen yet, a file, or a preview made elsewhere. */
export type ImportStart = { kind: "choose" } | { kind: "file"; source: FileSource } | { kind: "preview"; name: string; preview: ImportPreviewView };

const FORMATS: [string, string][] = [
  ["aegis", "Aegis"],
  ["2fas", "2FAS"],
  ["ente", "Ente Auth"],
  ["bitwarden", "Bitwarden"],
  ["andotp", "andOTP"],
  ["freeotp", "FreeOTP+"],
  ["uris", "otpauth URI list"],
];

export function openImport(ctx: CodesContext, start: ImportStart, title = "Import a backup"): void {
  let state: WizardState = START;
  let source: FileSource | null = start.kind === "file" ? start.source : null;
  let preview: ImportPreviewView | null = null;
  const body = h("div", { class: "wizard" });
  const { close } = modal(title, body);
  const format = h("select", {}, h("option", { value: "" }, "Detect automatically"), ...FORMATS.map(([value, text]) => h("option", { value }, text)));

  const previewed = (file: string, p: ImportPreviewView) => {
    preview = p;
    state = next(state, { kind: "previewed", file, preview: p });
    render();
  };
  const go = (password: string | null) => {
    if (!source) return;
    const file = sourceName(source);
    api
      .codes_import_preview({ source, format: format.value || null, password })
      .then((p) => previewed(file, p))
      .catch((error) => {
        const e = toAppError(error);
        if (e.kind === "import_password_required" || e.kind === "import_wrong_password") {
          state = next(state, { kind: "needs_password", file, wrong: e.kind === "import_wrong_password" });
        } else {
          state = next(state, { kind: "failed", message: e.message });
        }
        render();
      });
  };

  /** Imports the selected entries; progress and Cancel in a ceremony dialog. */
  function apply(selected: number[]) {
    if (!preview) return;
    const previewId = preview.preview_id;
    withDialog({ title: "Importing", waiting: "Importing the selected accounts…" }, (ui) => api.codes_import_apply({ preview_id: previewId, include: selected }, ui))
      .then((result) => {
        state = next(state, { kind: "imported", count: result.imported.length });
        render();
        return ctx.refresh();
      })
      .catch((error) => {
        if (toAppError(error).kind === "cancelled") {
          announce("Import cancelled: nothing was imported.");
          replace(status, h("p", { role: "status" }, "Import cancelled: nothing was imported. You can import again."));
        } else {
          replace(status, errorBox(error));
        }
      });
  }
  const status = h("div", {});

  function render() {
    switch (state.step) {
      case "choose": {
        const input = h("input", { type: "file" });
        input.addEventListener("change", () => {
          const picked = input.files?.[0];
          if (!picked) return;
          void fileSource(picked).then((s) => {
            source = s;
            go(null);
          });
        });
        replace(
          body,
          h("p", {}, "Every entry is shown before anything is imported."),
          field("Backup file", input),
          field("Format", format),
          state.error ? h("div", { class: "error", role: "alert" }, state.error) : null,
          h("div", { class: "actions" }, h("button", { type: "button", onclick: () => close() }, "Cancel")),
        );
        input.focus();
        break;
      }
      case "password": {
        const password = h("input", { type: "password", autocomplete: "off" });
        const form = h(
          "form",
          { class: "stack" },
          h("p", {}, `${state.file} is encrypted.`),
          field("Backup password", password),
          state.error ? h("div", { class: "error", role: "alert" }, state.error) : null,
          h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Open"), h("button", { type: "button", onclick: () => close() }, "Cancel")),
        );
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          go(password.value);
        });
        replace(body, form);
        password.focus();
        break;
      }
      case "preview": {
        const current = state;
        const rows = current.preview.entries.map((entry, index) => {
          const selectable = entry.action === "new";
          const checked = current.selected.includes(index);
          const box = h("input", { type: "checkbox", checked, disabled: !selectable, "aria-label": `Import ${entry.label}` });
          box.addEventListener("change", () => {
            state = next(state, { kind: "toggle", index });
            render();
            body.querySelectorAll<HTMLInputElement>("input[type=checkbox]")[index]?.focus();
          });
          return h("tr", { "data-action": entry.action }, h("td", {}, box), h("td", {}, entry.label), h("td", {}, entryStatus(entry, checked)));
        });
        const importButton = h("button", { type: "button", class: "primary", disabled: !canImport(state) }, "Import");
        importButton.addEventListener("click", () => {
          if (state.step === "preview") apply(state.selected);
        });
        const selectAll = (selected: boolean) => {
          state = next(state, { kind: "select_all", selected });
          render();
        };
        replace(status);
        replace(
          body,
          h("p", {}, `${current.file} (${current.preview.format})`),
          h(
            "table",
            { class: "preview" },
            h("caption", { class: "visually-hidden" }, "Entries found"),
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Import"), h("th", { scope: "col" }, "Entry"), h("th", { scope: "col" }, "What happens"))),
            h("tbody", {}, ...rows),
          ),
          h("p", { class: "summary", role: "status" }, summary(current.preview, current.selected)),
          status,
          h(
            "div",
            { class: "actions" },
            importButton,
            h("button", { type: "button", onclick: () => selectAll(true) }, "Select all"),
            h("button", { type: "button", onclick: () => selectAll(false) }, "Select none"),
            h("button", { type: "button", onclick: () => close() }, "Cancel"),
          ),
        );
        break;
      }
      case "done": {
        const closeButton = h("button", { type: "button", class: "primary", onclick: () => close() }, "Done");
        const text = `Imported ${state.imported} ${state.imported === 1 ? "account" : "accounts"}; ${state.notImported} not imported.`;
        replace(body, h("p", { role: "status" }, text), h("div", { class: "actions" }, closeButton));
        announce(text);
        closeButton.focus();
        break;
      }
    }
  }
  if (start.kind === "preview") previewed(start.name, start.preview);
  else render();
  if (start.kind === "file") go(null);
}
