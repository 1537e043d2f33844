// Adding accounts: an otpauth URI (typed hidden), a QR image (picked or dropped), or a QR code
// on the screen (captured in Rust, then previewed entry by entry like an import).
import { api } from "../api";
import type { AddReportView, FileSource } from "../bindings/keydesk";
import { announce, errorBox } from "../components/feedback";
import { h, replace } from "../dom";
import type { CodesContext } from "./context";
import { field, fileSource, modal } from "./dialog";
import { accountLabel } from "./filter";
import { openImport } from "./importDialog";

/** What adding did, in words (nothing is dropped silently). */
export function addReportText(report: AddReportView): string {
  const parts = report.added.map((row) => `Added ${accountLabel(row)}.`);
  for (const entry of report.not_added) {
    parts.push(entry.duplicate_of ? `Not added: ${entry.label} is already here.` : `Not added: ${entry.label}: ${entry.reason ?? "unreadable"}.`);
  }
  return parts.join(" ") || "Nothing was added.";
}

/** Says what adding did; closes the add dialog when something was added. */
export function reportAdd(ctx: CodesContext, report: AddReportView, close?: () => void): Promise<void> {
  const text = addReportText(report);
  announce(text);
  if (report.added.length > 0) close?.();
  if (report.not_added.length > 0 || report.added.length === 0) ctx.notice(text, report.added.length === 0);
  else ctx.clearMessage();
  return ctx.refresh();
}

/** Adds the accounts of the QR codes in an image file (picked or dropped onto the window). */
export function addQrImage(ctx: CodesContext, source: FileSource, close?: () => void): Promise<void> {
  return api.codes_add_qr_image({ source }).then((report) => reportAdd(ctx, report, close));
}

/** Captures the screen in Rust and previews the accounts of the QR codes found there. */
export function addFromScreen(ctx: CodesContext, fail: (error: unknown) => void, close?: () => void): Promise<void> {
  announce("Looking for a QR code on the screen…");
  return api
    .codes_add_screen()
    .then((preview) => {
      close?.();
      openImport(ctx, { kind: "preview", name: "QR code on the screen", preview }, "Add from the screen");
    })
    .catch(fail);
}

export function openAdd(ctx: CodesContext): void {
  const uri = h("input", { type: "password", autocomplete: "off", spellcheck: false });
  const issuer = h("input", { type: "text" });
  const name = h("input", { type: "text" });
  const file = h("input", { type: "file", accept: "image/png,image/jpeg" });
  const problems = h("div", {});
  const fail = (error: unknown) => replace(problems, errorBox(error));
  const uriForm = h(
    "form",
    { class: "stack", "aria-label": "Add from an otpauth URI" },
    field("otpauth URI (hidden while typed)", uri),
    field("Issuer (optional)", issuer),
    field("Account name (optional)", name),
    h("button", { type: "submit", class: "primary" }, "Add"),
  );
  const { close } = modal(
    "Add an account",
    uriForm,
    h("h3", {}, "Or from a QR code"),
    field("QR code image", file),
    h("div", { class: "actions" }, h("button", { type: "button", onclick: () => void addFromScreen(ctx, fail, close) }, "Scan the screen for a QR code")),
    problems,
    h("div", { class: "actions" }, h("button", { type: "button", onclick: () => close() }, "Close")),
  );
  uri.focus();
  uriForm.addEventListener("submit", (event) => {
    event.preventDefault();
    api
      .codes_add_uri({ uri: uri.value, issuer: issuer.value.trim() || null, name: name.value.trim() || null })
      .then((report) => {
        uri.value = "";
        return reportAdd(ctx, report, close);
      })
      .catch(fail);
  });
  file.addEventListener("change", () => {
    const picked = file.files?.[0];
    if (!picked) return;
    fileSource(picked)
      .then((source) => addQrImage(ctx, source, close))
      .catch(fail);
  });
}
