// Exporting accounts WITH their secrets, on request: an encrypted Aegis vault (recommended),
// otpauth URIs, one QR image per account, or Google Authenticator migration QR images.
import { api } from "../api";
import { announce, errorBox } from "../components/feedback";
import { h, replace } from "../dom";
import type { CodesContext } from "./context";
import { field, modal } from "./dialog";

export function openExport(ctx: CodesContext): void {
  const format = h(
    "select",
    {},
    h("option", { value: "aegis" }, "Aegis vault, encrypted (recommended)"),
    h("option", { value: "uris" }, "otpauth URIs, plain text"),
    h("option", { value: "qr" }, "One QR image per account (PNG)"),
    h("option", { value: "google_qr" }, "Google Authenticator QR images (PNG)"),
  );
  const path = h("input", { type: "text", value: "" });
  const password = h("input", { type: "password", autocomplete: "new-password" });
  const passwordField = field("Export password", password);
  const result = h("div", { role: "status" });
  format.addEventListener("change", () => (passwordField.hidden = format.value !== "aegis"));
  const form = h(
    "form",
    { class: "stack" },
    h("p", { class: "warning" }, "An export contains the SECRETS of your accounts: anyone who reads it can generate their codes."),
    field("Format", format),
    field("Save as (full path of a new file)", path),
    passwordField,
    result,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Export"), h("button", { type: "button", onclick: () => close() }, "Close")),
  );
  const { close } = modal("Export accounts", form);
  format.focus();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = ctx.query();
    api
      .codes_export({ format: format.value, path: path.value, password: format.value === "aegis" ? password.value : null, search: query || null })
      .then((view) => {
        const text = `Exported to ${view.files.join(", ")}.${view.not_exported.map((n) => ` Not exported: ${n.label} (${n.reason ?? ""}).`).join("")}`;
        replace(result, h("p", { class: "ok" }, text));
        announce(text);
      })
      .catch((error) => replace(result, errorBox(error)));
  });
}
