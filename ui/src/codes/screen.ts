// Codes screen: the virtual MFA device. The vault is created or unlocked here (password, OS
// keyring, security key); then every account's code with its countdown, search, tags, pinning,
// keyboard reordering, copy with clipboard clearing, add (URI, QR image, drag-and-drop, screen),
// import with a per-entry preview, export, edit, QR display, delete with undo, and lock.
// Secrets never reach this code except a QR image or export the user asked for.
import "./codes.css";
import { api } from "../api";
import type { AddReportView, CodeRowView, CodesListView, DeviceView, FileSource, ImportPreviewView, VaultView } from "../bindings/keydesk";
import { withDialog } from "../components/ceremonyDialog";
import { announce, confirmDialog, errorBox } from "../components/feedback";
import { h, replace } from "../dom";
import { toAppError } from "../ipc";
import type { Screen } from "../screen";
import { ClipboardAutoClear, clipboardStatus } from "./clipboard";
import { groupCode, msUntilRefresh, progress, secondsLeft, spokenCode, urgency } from "./countdown";
import { accountLabel, moveId, parseTags, visibleRows } from "./filter";
import { canImport, entryStatus, next, START, summary, type WizardState } from "./importWizard";
import { UndoWindow } from "./undo";

/** A modal <dialog> with a title; Escape closes it. Returns the dialog and a close function. */
function modal(title: string, ...content: (Node | string | null)[]): { dialog: HTMLDialogElement; close: () => void } {
  const id = `dlg-${Math.random().toString(36).slice(2)}`;
  const dialog = h("dialog", { class: "codes-dialog", "aria-labelledby": id }, h("h2", { id }, title), ...content);
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    close();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  return { dialog, close };
}

function field(label: string, input: HTMLElement): HTMLElement {
  const id = input.id || `f-${Math.random().toString(36).slice(2)}`;
  input.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), input);
}

/** Reads a picked or dropped file as bytes for the backend. */
async function fileSource(file: File): Promise<FileSource> {
  return { kind: "bytes", name: file.name, bytes: Array.from(new Uint8Array(await file.arrayBuffer())) };
}

const IMAGE = /\.(png|jpe?g)$/i;

/** What adding did, in words (nothing is dropped silently). */
function addReportText(report: AddReportView): string {
  const parts = report.added.map((row) => `Added ${accountLabel(row)}.`);
  for (const entry of report.not_added) {
    parts.push(entry.duplicate_of ? `Not added: ${entry.label} is already here.` : `Not added: ${entry.label}: ${entry.reason ?? "unreadable"}.`);
  }
  return parts.join(" ") || "Nothing was added.";
}

const screen: Screen = {
  title: "Codes",
  mount(root) {
    const vaultArea = h("div", { class: "vault" });
    const status = h("p", { class: "clipboard-status", role: "status", "aria-live": "polite" });
    const undoBar = h("div", { class: "undo-bar", hidden: true });
    const message = h("div", { class: "codes-message" });
    replace(
      root,
      h("h1", {}, "Codes"),
      h("p", { class: "lead" }, "One-time codes for your accounts (TOTP, HOTP, Steam). The secrets stay encrypted on this computer."),
      message,
      vaultArea,
      status,
      undoBar,
    );

    let list: CodesListView | null = null;
    let fetchedAt = 0;
    let query = "";
    let tag: string | null = null;
    const timers: number[] = [];
    let refreshTimer: number | null = null;
    const clipboard = new ClipboardAutoClear(
      () => api.codes_clipboard_clear().catch(() => undefined),
      () => renderStatus(),
    );
    const undo = new UndoWindow();
    const shownHotp = new Map<string, CodeRowView>();

    const listEl = h("ul", { class: "codes-list", "aria-label": "Accounts" });
    const searchInput = h("input", { type: "search", placeholder: "Search", "aria-label": "Search accounts", autocomplete: "off" });
    const tagSelect = h("select", { "aria-label": "Show tag" });

    function showMessage(error: unknown) {
      replace(message, errorBox(error));
    }
    function clearMessage() {
      replace(message);
    }

    function renderStatus() {
      status.textContent = clipboardStatus(clipboard.current(), Date.now());
      const pending = undo.current(Date.now());
      undoBar.hidden = pending === null;
      if (pending) {
        replace(
          undoBar,
          h("span", {}, `Deleted ${pending.label}. `),
          h("button", { type: "button", class: "undo", onclick: () => void restore() }, `Undo (${undo.secondsLeft(Date.now())} s)`),
        );
      }
    }

    // --- Vault: create / unlock ---------------------------------------------------------

    async function start() {
      try {
        const vault = await api.codes_status();
        if (vault.unlocked) await showCodes();
        else renderLocked(vault);
      } catch (error) {
        showMessage(error);
      }
    }

    function renderLocked(vault: VaultView) {
      stopTimers();
      if (!vault.exists) {
        const password = h("input", { type: "password", autocomplete: "new-password" });
        const again = h("input", { type: "password", autocomplete: "new-password" });
        const form = h(
          "form",
          { class: "stack", "aria-label": "Create the vault" },
          h("h2", {}, "Create your codes vault"),
          h("p", { class: "hint" }, "Choose a password. It always opens the vault, even when the keyring or your security key is unavailable."),
          field("Password", password),
          field("Password again", again),
          h("button", { type: "submit", class: "primary" }, "Create vault"),
        );
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          if (password.value.length < 8) return showMessage({ kind: "invalid_argument", message: "Use at least 8 characters." });
          if (password.value !== again.value) return showMessage({ kind: "invalid_argument", message: "The two passwords differ." });
          api
            .codes_create({ password: password.value })
            .then(() => {
              announce("Vault created.");
              return showCodes();
            })
            .catch(showMessage);
        });
        replace(vaultArea, form);
        password.focus();
        return;
      }
      const password = h("input", { type: "password", autocomplete: "current-password" });
      const form = h(
        "form",
        { class: "stack", "aria-label": "Unlock the vault" },
        h("h2", {}, "The vault is locked"),
        field("Vault password", password),
        h("button", { type: "submit", class: "primary" }, "Unlock"),
      );
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        api.codes_unlock_password({ password: password.value }).then(unlocked).catch(showMessage);
        password.value = "";
      });
      const other = h("div", { class: "actions" });
      if (vault.slots.some((s) => s.kind === "keyring")) {
        other.append(h("button", { type: "button", onclick: () => void api.codes_unlock_keyring().then(unlocked).catch(showMessage) }, "Unlock with the OS keyring"));
      }
      if (vault.slots.some((s) => s.kind === "fido2-hmac-secret")) {
        other.append(h("button", { type: "button", onclick: () => void unlockWithKey() }, "Unlock with a security key"));
      }
      replace(vaultArea, form, other);
      password.focus();
    }

    function unlocked() {
      clearMessage();
      announce("Vault unlocked.");
      return showCodes();
    }

    async function chooseDevice(title: string): Promise<DeviceView | null> {
      const devices = (await api.list_devices()).devices;
      if (devices.length === 0) throw { kind: "no_device", message: "No security key is connected: plug it in or put it on the reader." };
      if (devices.length === 1) return devices[0] ?? null;
      return new Promise((resolve) => {
        const { close } = modal(
          title,
          h(
            "ul",
            { class: "choices" },
            ...devices.map((d) =>
              h("li", {}, h("button", { type: "button", onclick: () => { close(); resolve(d); } }, d.name)),
            ),
          ),
          h("div", { class: "actions" }, h("button", { type: "button", onclick: () => { close(); resolve(null); } }, "Cancel")),
        );
      });
    }

    async function unlockWithKey() {
      try {
        const device = await chooseDevice("Which security key?");
        if (!device) return;
        await withDialog({ title: "Unlocking with your security key" }, (ui) => api.codes_unlock_security_key({ device: device.id }, ui));
        await unlocked();
      } catch (error) {
        showMessage(error);
      }
    }

    // --- The list -----------------------------------------------------------------------

    async function showCodes() {
      const toolbar = h(
        "div",
        { class: "codes-toolbar", role: "toolbar", "aria-label": "Codes actions" },
        searchInput,
        tagSelect,
        h("button", { type: "button", class: "primary", onclick: openAdd }, "Add"),
        h("button", { type: "button", onclick: () => openImport(null) }, "Import"),
        h("button", { type: "button", onclick: openExport }, "Export"),
        h("button", { type: "button", onclick: openSlots }, "Ways to unlock"),
        h("button", { type: "button", onclick: checkClock }, "Check clock"),
        h("button", { type: "button", onclick: () => void lock() }, "Lock"),
      );
      replace(vaultArea, toolbar, h("p", { class: "hint" }, "Tip: drop a QR image or a backup file here. Alt+Up and Alt+Down move the focused account."), listEl);
      await refresh();
    }

    async function refresh() {
      try {
        list = await api.codes_list({ search: null, tag: null });
        fetchedAt = Date.now();
        renderTags();
        renderList();
        scheduleRefresh();
      } catch (error) {
        if (toAppError(error).kind === "vault_locked") return start();
        showMessage(error);
      }
    }

    function scheduleRefresh() {
      if (refreshTimer !== null) window.clearTimeout(refreshTimer);
      const wait = list ? msUntilRefresh(list.accounts, fetchedAt, Date.now()) : null;
      if (wait !== null) refreshTimer = window.setTimeout(() => void refresh(), wait + 50);
    }

    function renderTags() {
      const tags = list?.tags ?? [];
      if (tag !== null && !tags.includes(tag)) tag = null;
      replace(
        tagSelect,
        h("option", { value: "" }, "All tags"),
        ...tags.map((t) => h("option", { value: t, selected: t === tag }, t)),
      );
    }

    function visible(): CodeRowView[] {
      return list ? visibleRows(list.accounts, query, tag) : [];
    }

    function renderList() {
      const rows = visible();
      if (!list || list.accounts.length === 0) {
        replace(listEl, h("li", { class: "empty" }, "No accounts yet: add one with Add, or import a backup."));
        return;
      }
      if (rows.length === 0) {
        replace(listEl, h("li", { class: "empty" }, "No account matches."));
        return;
      }
      const focused = (document.activeElement as HTMLElement | null)?.closest?.("[data-account]")?.getAttribute("data-account");
      replace(listEl, ...rows.map(rowElement));
      if (focused) listEl.querySelector<HTMLElement>(`[data-account="${CSS.escape(focused)}"] .copy`)?.focus();
      tick();
    }

    function rowElement(row: CodeRowView): HTMLElement {
      const label = accountLabel(row);
      const shown = shownHotp.get(row.id);
      const code = row.code ?? shown?.code ?? null;
      const codeEl = h("span", { class: "code", "data-code": code ?? "" }, code ? groupCode(code) : row.kind === "hotp" ? "••• •••" : "—");
      const bar = h("progress", { class: "countdown", max: 1, value: 0, hidden: row.period === null, "aria-label": `${label}: time left` });
      const left = h("span", { class: "seconds", "aria-hidden": "true" });
      const li = h(
        "li",
        { class: `code-row${row.pinned ? " pinned" : ""}`, "data-account": row.id, "aria-label": label },
        h(
          "div",
          { class: "code-main" },
          h("div", { class: "who" }, h("span", { class: "issuer" }, row.issuer || row.name), row.issuer ? h("span", { class: "name" }, row.name) : null),
          codeEl,
          h("span", { class: "visually-hidden live-code" }, spokenCode(code, null)),
          bar,
          left,
        ),
        row.tags.length ? h("div", { class: "tags" }, ...row.tags.map((t) => h("span", { class: "badge" }, t))) : null,
        row.error ? h("p", { class: "error", role: "note" }, row.error) : null,
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", class: "copy", "aria-label": `Copy code for ${label}`, onclick: () => void copy(row) }, "Copy"),
          row.kind === "hotp"
            ? h("button", { type: "button", "aria-label": `Show next code for ${label}`, onclick: () => void showHotp(row) }, "Next code")
            : null,
          h(
            "button",
            { type: "button", "aria-pressed": row.pinned ? "true" : "false", "aria-label": `${row.pinned ? "Unpin" : "Pin"} ${label}`, onclick: () => void pin(row) },
            row.pinned ? "Unpin" : "Pin",
          ),
          h("button", { type: "button", "aria-label": `Edit ${label}`, onclick: () => openEdit(row) }, "Edit"),
          h("button", { type: "button", "aria-label": `Show QR code for ${label}`, onclick: () => void showQr(row) }, "QR"),
          h("button", { type: "button", "aria-label": `Move ${label} up`, onclick: () => void move(row, -1) }, "↑"),
          h("button", { type: "button", "aria-label": `Move ${label} down`, onclick: () => void move(row, 1) }, "↓"),
          h("button", { type: "button", class: "danger", "aria-label": `Delete ${label}`, onclick: () => void remove(row) }, "Delete"),
        ),
      );
      li.addEventListener("keydown", (event) => {
        if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
          event.preventDefault();
          void move(row, event.key === "ArrowUp" ? -1 : 1);
        }
      });
      (li as HTMLElement & { tick?: () => void }).tick = () => {
        const secs = secondsLeft(row, fetchedAt, Date.now());
        bar.value = progress(secs, row.period);
        li.dataset.urgency = urgency(secs);
        left.textContent = secs === null ? "" : `${secs} s`;
        bar.setAttribute("aria-valuetext", secs === null ? "" : `${secs} seconds left`);
      };
      return li;
    }

    function tick() {
      for (const li of listEl.querySelectorAll<HTMLElement & { tick?: () => void }>("li.code-row")) li.tick?.();
      renderStatus();
    }

    async function copy(row: CodeRowView) {
      try {
        const copied = await api.codes_copy({ id: row.id });
        if (row.kind === "hotp") shownHotp.set(row.id, copied.account);
        clipboard.copied(accountLabel(row), Date.now(), copied.clear_after_seconds);
        announce(`Code for ${accountLabel(row)} copied. The clipboard clears in ${copied.clear_after_seconds} seconds.`);
        if (row.kind === "hotp") await refresh();
      } catch (error) {
        showMessage(error);
      }
    }

    async function showHotp(row: CodeRowView) {
      try {
        const shown = await api.codes_show({ id: row.id });
        shownHotp.set(row.id, shown);
        announce(`Next code for ${accountLabel(row)}: ${spokenCode(shown.code, null)}.`);
        await refresh();
      } catch (error) {
        showMessage(error);
      }
    }

    async function pin(row: CodeRowView) {
      try {
        await api.codes_pin({ id: row.id, pinned: !row.pinned });
        announce(`${accountLabel(row)} ${row.pinned ? "unpinned" : "pinned to the top and the tray"}.`);
        await refresh();
      } catch (error) {
        showMessage(error);
      }
    }

    async function move(row: CodeRowView, delta: number) {
      if (!list) return;
      const order = visibleRows(list.accounts, "", null).map((r) => r.id);
      const moved = moveId(order, row.id, delta);
      if (moved.join() === order.join()) return;
      try {
        await api.codes_reorder({ ids: moved });
        announce(`${accountLabel(row)} moved ${delta < 0 ? "up" : "down"}.`);
        await refresh();
        listEl.querySelector<HTMLElement>(`[data-account="${CSS.escape(row.id)}"] .copy`)?.focus();
      } catch (error) {
        showMessage(error);
      }
    }

    async function remove(row: CodeRowView) {
      try {
        const deleted = await api.codes_delete({ id: row.id });
        undo.deleted(deleted.id, accountLabel(deleted), Date.now());
        announce(`Deleted ${accountLabel(deleted)}. Undo is available for ${undo.secondsLeft(Date.now())} seconds.`);
        await refresh();
        undoBar.querySelector<HTMLElement>("button.undo")?.focus();
      } catch (error) {
        showMessage(error);
      }
    }

    async function restore() {
      const pending = undo.take(Date.now());
      if (!pending) return renderStatus();
      try {
        const restored = await api.codes_undo({ id: pending.id });
        announce(`Restored ${accountLabel(restored)}.`);
        await refresh();
      } catch (error) {
        showMessage(error);
      }
    }

    async function lock() {
      await clipboard.flush();
      try {
        const vault = await api.codes_lock();
        list = null;
        shownHotp.clear();
        announce("Vault locked.");
        renderLocked(vault);
      } catch (error) {
        showMessage(error);
      }
    }

    async function showQr(row: CodeRowView) {
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
        showMessage(error);
      }
    }

    function openEdit(row: CodeRowView) {
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
            return refresh();
          })
          .catch((error) => replace(problems, errorBox(error)));
      });
    }

    // --- Add ----------------------------------------------------------------------------

    function reportAdd(report: AddReportView, close?: () => void) {
      const text = addReportText(report);
      announce(text);
      if (report.added.length > 0) close?.();
      if (report.not_added.length > 0 || report.added.length === 0) {
        replace(message, h("div", { class: report.added.length ? "notice" : "error", role: "alert" }, text));
      } else {
        clearMessage();
      }
      return refresh();
    }

    function openAdd() {
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
        h("div", { class: "actions" }, h("button", { type: "button", onclick: () => void fromScreen() }, "Scan the screen for a QR code")),
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
            return reportAdd(report, close);
          })
          .catch(fail);
      });
      file.addEventListener("change", () => {
        const picked = file.files?.[0];
        if (!picked) return;
        fileSource(picked)
          .then((source) => api.codes_add_qr_image({ source }))
          .then((report) => reportAdd(report, close))
          .catch(fail);
      });
      function fromScreen() {
        return api.codes_add_screen().then((report) => reportAdd(report, close)).catch(fail);
      }
    }

    // --- Import -------------------------------------------------------------------------

    function openImport(dropped: FileSource | null) {
      let state: WizardState = START;
      let source: FileSource | null = dropped;
      let preview: ImportPreviewView | null = null;
      const body = h("div", { class: "wizard" });
      const { close } = modal("Import a backup", body);
      const format = h(
        "select",
        {},
        h("option", { value: "" }, "Detect automatically"),
        ...[
          ["aegis", "Aegis"],
          ["2fas", "2FAS"],
          ["ente", "Ente Auth"],
          ["bitwarden", "Bitwarden"],
          ["andotp", "andOTP"],
          ["freeotp", "FreeOTP+"],
          ["uris", "otpauth URI list"],
        ].map(([value, text]) => h("option", { value: value ?? "" }, text ?? "")),
      );
      const go = (password: string | null) => {
        if (!source) return;
        const file = source.kind === "path" ? source.path : source.name;
        api
          .codes_import_preview({ source, format: format.value || null, password })
          .then((p) => {
            preview = p;
            state = next(state, { kind: "previewed", file, preview: p });
            render();
          })
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
              if (!preview || state.step !== "preview") return;
              api
                .codes_import_apply({ preview_id: preview.preview_id, include: state.selected })
                .then((result) => {
                  state = next(state, { kind: "imported", count: result.imported.length });
                  render();
                  return refresh();
                })
                .catch((error) => replace(body, errorBox(error)));
            });
            replace(
              body,
              h("p", {}, `${current.file} (${current.preview.format})`),
              h(
                "table",
                { class: "preview" },
                h("caption", { class: "visually-hidden" }, "Entries in the backup"),
                h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Import"), h("th", { scope: "col" }, "Entry"), h("th", { scope: "col" }, "What happens"))),
                h("tbody", {}, ...rows),
              ),
              h("p", { class: "summary", role: "status" }, summary(current.preview, current.selected)),
              h(
                "div",
                { class: "actions" },
                importButton,
                h("button", { type: "button", onclick: () => { state = next(state, { kind: "select_all", selected: true }); render(); } }, "Select all"),
                h("button", { type: "button", onclick: () => { state = next(state, { kind: "select_all", selected: false }); render(); } }, "Select none"),
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
      render();
      if (dropped) go(null);
    }

    // --- Export, slots, clock -------------------------------------------------------------

    function openExport() {
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

    async function openSlots() {
      let vault: VaultView;
      try {
        vault = await api.codes_status();
      } catch (error) {
        return showMessage(error);
      }
      const body = h("div", {});
      const { close } = modal("Ways to unlock", body);
      const render = (v: VaultView, note: unknown = null) => {
        const keyring = v.slots.some((s) => s.kind === "keyring");
        const label = h("input", { type: "text", value: "Security key", maxlength: 64 });
        replace(
          body,
          h(
            "ul",
            { class: "slots" },
            ...v.slots.map((slot) =>
              h(
                "li",
                { "data-slot-kind": slot.kind },
                h("span", {}, slot.kind === "password" ? "Password (always works)" : slot.kind === "keyring" ? "OS keyring" : `Security key: ${slot.label}`),
                slot.kind === "fido2-hmac-secret"
                  ? h("button", { type: "button", class: "danger", "aria-label": `Remove ${slot.label}`, onclick: () => void api.codes_slot_security_key_remove({ slot: slot.id }).then((n) => render(n)).catch((e) => render(v, e)) }, "Remove")
                  : null,
              ),
            ),
          ),
          h(
            "div",
            { class: "actions" },
            h("button", { type: "button", onclick: () => void api.codes_slot_keyring({ enable: !keyring }).then((n) => render(n)).catch((e) => render(v, e)) }, keyring ? "Stop unlocking with the OS keyring" : "Unlock with the OS keyring too"),
          ),
          field("Name of a security key to add", label),
          h(
            "div",
            { class: "actions" },
            h(
              "button",
              {
                type: "button",
                onclick: () =>
                  void chooseDevice("Which security key?")
                    .then((device) => device && withDialog({ title: "Adding your security key" }, (ui) => api.codes_slot_security_key_add({ device: device.id, label: label.value }, ui)))
                    .then((n) => (n ? render(n) : undefined))
                    .catch((e) => render(v, e)),
              },
              "Add a security key",
            ),
            h("button", { type: "button", onclick: () => close() }, "Close"),
          ),
          note ? errorBox(note) : null,
        );
      };
      render(vault);
    }

    function checkClock() {
      announce("Asking a time server…");
      api
        .codes_check_clock({ server: null })
        .then((clock) => replace(message, h("div", { class: clock.severity === "in_sync" ? "ok" : "notice", role: "status" }, clock.explanation)))
        .catch(showMessage);
    }

    // --- Events, timers, drag-and-drop ----------------------------------------------------

    searchInput.addEventListener("input", () => {
      query = searchInput.value;
      renderList();
    });
    tagSelect.addEventListener("change", () => {
      tag = tagSelect.value || null;
      renderList();
    });

    function handleDropped(source: FileSource) {
      const name = source.kind === "path" ? source.path : source.name;
      if (!list) return showMessage({ kind: "vault_locked", message: "Unlock the vault first, then drop the file again." });
      if (IMAGE.test(name)) api.codes_add_qr_image({ source }).then((r) => reportAdd(r)).catch(showMessage);
      else openImport(source);
    }
    root.addEventListener("dragover", (event) => {
      event.preventDefault();
      root.classList.add("dropping");
    });
    root.addEventListener("dragleave", () => root.classList.remove("dropping"));
    root.addEventListener("drop", (event) => {
      event.preventDefault();
      root.classList.remove("dropping");
      const file = event.dataTransfer?.files?.[0];
      if (file) void fileSource(file).then(handleDropped);
    });
    // In the app the window receives dropped files as paths (Tauri's drag-and-drop event).
    let unlistenDrop: (() => void) | null = null;
    void import("@tauri-apps/api/webview")
      .then(({ getCurrentWebview }) =>
        getCurrentWebview().onDragDropEvent((event) => {
          if (event.payload.type === "drop" && event.payload.paths[0]) handleDropped({ kind: "path", path: event.payload.paths[0] });
        }),
      )
      .then((unlisten) => (unlistenDrop = unlisten))
      .catch(() => undefined);

    timers.push(window.setInterval(tick, 1000));
    function stopTimers() {
      if (refreshTimer !== null) window.clearTimeout(refreshTimer);
      refreshTimer = null;
    }

    void start();
    return () => {
      for (const t of timers) window.clearInterval(t);
      stopTimers();
      unlistenDrop?.();
      void clipboard.flush();
    };
  },
};

export default screen;
