// Editing an account (issuer, name, note, tags, code settings) and showing its QR code, which
// holds the secret and is shown only after a confirmation.
import { api } from "../api";
import type { CodeRowView } from "../bindings/keydesk";
import { announce, confirmDialog, errorBox } from "../components/feedback";
import { h, replace } from "../dom";
import type { CodesContext } from "./context";
import { field, modal } from "./dialog";
import { accountLabel, parseTags } from "./filter";

export function openEdit(ctx: CodesContext, row: CodeRowView): void {
  const issuer = h("input", { type: "text", value: row.issuer });
  const name = h("input", { type: "text", value: row.name });
  const note = h("input", { type: "text", value: row.note });
  const tags = h("input", { type: "text", value: row.tags.join(", ") });
  const digits = h("input", { type: "number", min: 1, max: 10, value: row.digits });
  const timing = h("input", { type: "number", min: row.kind === "hotp" ? 0 : 1, value: row.kind === "hotp" ? (row.counter ?? 0) : (row.period ?? 30) });
  const algorithm = h("select", {}, ...["SHA1", "SHA256", "SHA512"].map((a) => h("option", { value: a, selected: a === row.algorithm }, a)));
  const problems = h("div", {});
  const custom = row.kind === "totp" || row.kind === "hotp";
  const form = h(
    "form",
    { class: "stack" },
    field("Issuer", issuer),
    field("Account name", name),
    field("Note", note),
    field("Tags (separated by commas)", tags),
    custom ? field("Digits", digits) : null,
    row.kind === "totp" ? field("Seconds per code", timing) : row.kind === "hotp" ? field("Counter of the next code", timing) : null,
    custom ? field("Algorithm", algorithm) : null,
    problems,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save"), h("button", { type: "button", onclick: () => close() }, "Cancel")),
  );
  const { close } = modal(`Edit ${accountLabel(row)}`, form);
  issuer.focus();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const edit = {
      issuer: issuer.value,
      name: name.value,
      note: note.value,
      digits: custom ? Number(digits.value) : null,
      period: row.kind === "totp" ? Number(timing.value) : null,
      counter: row.kind === "hotp" ? Number(timing.value) : null,
      algorithm: custom ? algorithm.value : null,
    };
    api
      .codes_edit({ id: row.id, edit })
      .then(() => api.codes_set_tags({ id: row.id, tags: parseTags(tags.value) }))
      .then(() => {
        close();
        announce(`Saved ${issuer.value || name.value}.`);
        return ctx.refresh();
      })
      .catch((error) => replace(problems, errorBox(error)));
  });
}

export async function showQr(ctx: CodesContext, row: CodeRowView): Promise<void> {
  const label = accountLabel(row);
  const ok = await confirmDialog(
    `Show the QR code of ${label}?`,
    "Anyone who sees or photographs this QR code can generate the codes of this account.",
    "Show QR code",
  );
  if (!ok) return;
  try {
    const qr = await api.codes_qr({ id: row.id });
    const { close } = modal(
      `QR code: ${qr.label}`,
      h("p", { class: "warning" }, "Scan it with your phone's authenticator, then close this window."),
      h("img", { src: qr.data_url, alt: `QR code for ${qr.label}`, class: "qr" }),
      h("div", { class: "actions" }, h("button", { type: "button", onclick: () => close() }, "Close")),
    );
  } catch (error) {
    ctx.showMessage(error);
  }
}
