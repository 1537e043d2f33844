// Codes screen: the virtual MFA device. It composes the vault forms (vault.ts), the account
// list (list.ts), and the add, import and export dialogs (add.ts, importDialog.ts, export.ts);
// it also takes files dropped onto the window (QR images are added, backups imported).
// Secrets never reach this code except a QR image or export the user asked for.
import "./codes.css";
import { api } from "../api";
import type { FileSource } from "../bindings/keydesk";
import { announce, errorBox } from "../components/feedback";
import { h, replace } from "../dom";
import type { Screen } from "../screen";
import { addQrImage, openAdd } from "./add";
import type { CodesContext } from "./context";
import { fileSource, IMAGE, sourceName } from "./dialog";
import { openExport } from "./export";
import { openImport } from "./importDialog";
import { CodesList } from "./list";
import { openSlots, renderLocked } from "./vault";

const screen: Screen = {
  title: "Codes",
  mount(root) {
    const vaultArea = h("div", { class: "vault" });
    const message = h("div", { class: "codes-message" });

    const ctx: CodesContext = {
      refresh: () => list.refresh(),
      showMessage: (error) => replace(message, errorBox(error)),
      notice: (text, error) => replace(message, h("div", { class: error ? "error" : "notice", role: "alert" }, text)),
      clearMessage: () => replace(message),
      query: () => list.searchText(),
    };
    const list = new CodesList(ctx, () => start());
    replace(
      root,
      h("h1", {}, "Codes"),
      h("p", { class: "lead" }, "One-time codes for your accounts (TOTP, HOTP, Steam). The secrets stay encrypted on this computer."),
      message,
      vaultArea,
      list.status,
      list.undoBar,
    );

    async function start() {
      try {
        const vault = await api.codes_status();
        if (vault.unlocked) return showCodes();
        list.stop();
        renderLocked(vaultArea, vault, ctx, showCodes);
      } catch (error) {
        ctx.showMessage(error);
      }
    }

    async function showCodes() {
      const toolbar = h(
        "div",
        { class: "codes-toolbar", role: "toolbar", "aria-label": "Codes actions" },
        list.searchInput,
        list.tagSelect,
        h("button", { type: "button", class: "primary", onclick: () => openAdd(ctx) }, "Add"),
        h("button", { type: "button", onclick: () => openImport(ctx, { kind: "choose" }) }, "Import"),
        h("button", { type: "button", onclick: () => openExport(ctx) }, "Export"),
        h("button", { type: "button", onclick: () => void openSlots(ctx) }, "Ways to unlock"),
        h("button", { type: "button", onclick: checkClock }, "Check clock"),
        h("button", { type: "button", onclick: () => void lock() }, "Lock"),
      );
      replace(vaultArea, toolbar, h("p", { class: "hint" }, "Tip: drop a QR image or a backup file here. Alt+Up and Alt+Down move the focused account."), list.listEl);
      await list.refresh();
    }

    async function lock() {
      await list.clipboard.flush();
      try {
        const vault = await api.codes_lock();
        list.forget();
        announce("Vault locked.");
        renderLocked(vaultArea, vault, ctx, showCodes);
      } catch (error) {
        ctx.showMessage(error);
      }
    }

    function checkClock() {
      announce("Asking a time server…");
      api
        .codes_check_clock({ server: null })
        .then((clock) => replace(message, h("div", { class: clock.severity === "in_sync" ? "ok" : "notice", role: "status" }, clock.explanation)))
        .catch(ctx.showMessage);
    }

    // --- Files dropped onto the window ------------------------------------------------------

    function handleDropped(source: FileSource) {
      if (!list.loaded()) return ctx.showMessage({ kind: "vault_locked", message: "Unlock the vault first, then drop the file again." });
      if (IMAGE.test(sourceName(source))) addQrImage(ctx, source).catch(ctx.showMessage);
      else openImport(ctx, { kind: "file", source });
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

    const ticker = window.setInterval(() => list.tick(), 1000);
    void start();
    return () => {
      window.clearInterval(ticker);
      list.stop();
      unlistenDrop?.();
      void list.clipboard.flush();
    };
  },
};

export default screen;
