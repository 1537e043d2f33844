// The account list: codes with their countdown, search, tag filter, and each row's actions
// (copy with clipboard clearing, next HOTP code, pin, move, edit, QR, delete with undo).
import { api } from "../api";
import type { CodeRowView, CodesListView } from "../bindings/keydesk";
import { announce } from "../components/feedback";
import { h, replace } from "../dom";
import { toAppError } from "../ipc";
import { ClipboardAutoClear, clipboardStatus } from "./clipboard";
import type { CodesContext } from "./context";
import { groupCode, msUntilRefresh, progress, secondsLeft, spokenCode, urgency } from "./countdown";
import { openEdit, showQr } from "./edit";
import { accountLabel, moveId, visibleRows } from "./filter";
import { UndoWindow } from "./undo";

type Ticking = HTMLElement & { tick?: () => void };

export class CodesList {
  readonly listEl = h("ul", { class: "codes-list", "aria-label": "Accounts" });
  readonly searchInput = h("input", { type: "search", placeholder: "Search", "aria-label": "Search accounts", autocomplete: "off" });
  readonly tagSelect = h("select", { "aria-label": "Show tag" });
  /** The clipboard line (role=status). */
  readonly status = h("p", { class: "clipboard-status", role: "status", "aria-live": "polite" });
  readonly undoBar = h("div", { class: "undo-bar", hidden: true });

  private list: CodesListView | null = null;
  private fetchedAt = 0;
  private query = "";
  private tag: string | null = null;
  private refreshTimer: number | null = null;
  private readonly shownHotp = new Map<string, CodeRowView>();
  private readonly undo = new UndoWindow();
  readonly clipboard = new ClipboardAutoClear(
    () => api.codes_clipboard_clear().catch(() => undefined),
    () => this.renderStatus(),
  );

  /** `ctx.refresh` must call `this.refresh`; `onLocked` shows the unlock form. */
  constructor(
    private readonly ctx: CodesContext,
    private readonly onLocked: () => Promise<void>,
  ) {
    this.searchInput.addEventListener("input", () => {
      this.query = this.searchInput.value;
      this.renderList();
    });
    this.tagSelect.addEventListener("change", () => {
      this.tag = this.tagSelect.value || null;
      this.renderList();
    });
  }

  /** Whether the list has been read (the vault is unlocked). */
  loaded(): boolean {
    return this.list !== null;
  }

  searchText(): string {
    return this.query;
  }

  async refresh(): Promise<void> {
    try {
      this.list = await api.codes_list({ search: null, tag: null });
      this.fetchedAt = Date.now();
      this.renderTags();
      this.renderList();
      this.scheduleRefresh();
    } catch (error) {
      if (toAppError(error).kind === "vault_locked") return this.onLocked();
      this.ctx.showMessage(error);
    }
  }

  /** The vault was locked: forget the accounts and shown HOTP codes, stop refreshing. */
  forget(): void {
    this.list = null;
    this.shownHotp.clear();
    this.stop();
  }

  stop(): void {
    if (this.refreshTimer !== null) window.clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }

  /** Updates countdowns and the status lines (every second). */
  tick(): void {
    for (const li of this.listEl.querySelectorAll<Ticking>("li.code-row")) li.tick?.();
    this.renderStatus();
  }

  private scheduleRefresh() {
    this.stop();
    const wait = this.list ? msUntilRefresh(this.list.accounts, this.fetchedAt, Date.now()) : null;
    if (wait !== null) this.refreshTimer = window.setTimeout(() => void this.refresh(), wait + 50);
  }

  private renderStatus() {
    this.status.textContent = clipboardStatus(this.clipboard.current(), Date.now());
    const pending = this.undo.current(Date.now());
    this.undoBar.hidden = pending === null;
    if (pending) {
      replace(
        this.undoBar,
        h("span", {}, `Deleted ${pending.label}. `),
        h("button", { type: "button", class: "undo", onclick: () => void this.restore() }, `Undo (${this.undo.secondsLeft(Date.now())} s)`),
      );
    }
  }

  private renderTags() {
    const tags = this.list?.tags ?? [];
    if (this.tag !== null && !tags.includes(this.tag)) this.tag = null;
    replace(this.tagSelect, h("option", { value: "" }, "All tags"), ...tags.map((t) => h("option", { value: t, selected: t === this.tag }, t)));
  }

  private renderList() {
    const rows = this.list ? visibleRows(this.list.accounts, this.query, this.tag) : [];
    if (!this.list || this.list.accounts.length === 0) {
      replace(this.listEl, h("li", { class: "empty" }, "No accounts yet: add one with Add, or import a backup."));
      return;
    }
    if (rows.length === 0) {
      replace(this.listEl, h("li", { class: "empty" }, "No account matches."));
      return;
    }
    const focused = (document.activeElement as HTMLElement | null)?.closest?.("[data-account]")?.getAttribute("data-account");
    replace(this.listEl, ...rows.map((row) => this.rowElement(row)));
    if (focused) this.focusRow(focused);
    this.tick();
  }

  private focusRow(id: string) {
    this.listEl.querySelector<HTMLElement>(`[data-account="${CSS.escape(id)}"] .copy`)?.focus();
  }

  private rowElement(row: CodeRowView): HTMLElement {
    const label = accountLabel(row);
    const shown = this.shownHotp.get(row.id);
    const code = row.code ?? shown?.code ?? null;
    const codeEl = h("span", { class: "code", "data-code": code ?? "" }, code ? groupCode(code) : row.kind === "hotp" ? "••• •••" : "—");
    const bar = h("progress", { class: "countdown", max: 1, value: 0, hidden: row.period === null, "aria-label": `${label}: time left` });
    const left = h("span", { class: "seconds", "aria-hidden": "true" });
    const button = (text: string, aria: string, action: () => unknown, attrs: Record<string, string> = {}) =>
      h("button", { type: "button", "aria-label": aria, onclick: () => void action(), ...attrs }, text);
    const li: Ticking = h(
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
        button("Copy", `Copy code for ${label}`, () => this.copy(row), { class: "copy" }),
        row.kind === "hotp" ? button("Next code", `Show next code for ${label}`, () => this.showHotp(row)) : null,
        button(row.pinned ? "Unpin" : "Pin", `${row.pinned ? "Unpin" : "Pin"} ${label}`, () => this.pin(row), { "aria-pressed": row.pinned ? "true" : "false" }),
        button("Edit", `Edit ${label}`, () => openEdit(this.ctx, row)),
        button("QR", `Show QR code for ${label}`, () => showQr(this.ctx, row)),
        button("↑", `Move ${label} up`, () => this.move(row, -1)),
        button("↓", `Move ${label} down`, () => this.move(row, 1)),
        button("Delete", `Delete ${label}`, () => this.remove(row), { class: "danger" }),
      ),
    );
    li.addEventListener("keydown", (event) => {
      if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
        event.preventDefault();
        void this.move(row, event.key === "ArrowUp" ? -1 : 1);
      }
    });
    li.tick = () => {
      const secs = secondsLeft(row, this.fetchedAt, Date.now());
      bar.value = progress(secs, row.period);
      li.dataset.urgency = urgency(secs);
      left.textContent = secs === null ? "" : `${secs} s`;
      bar.setAttribute("aria-valuetext", secs === null ? "" : `${secs} seconds left`);
    };
    return li;
  }

  private async act(work: () => Promise<unknown>) {
    try {
      await work();
    } catch (error) {
      this.ctx.showMessage(error);
    }
  }

  private copy(row: CodeRowView) {
    return this.act(async () => {
      const copied = await api.codes_copy({ id: row.id });
      if (row.kind === "hotp") this.shownHotp.set(row.id, copied.account);
      this.clipboard.copied(accountLabel(row), Date.now(), copied.clear_after_seconds);
      announce(`Code for ${accountLabel(row)} copied. The clipboard clears in ${copied.clear_after_seconds} seconds.`);
      if (row.kind === "hotp") await this.refresh();
    });
  }

  private showHotp(row: CodeRowView) {
    return this.act(async () => {
      const shown = await api.codes_show({ id: row.id });
      this.shownHotp.set(row.id, shown);
      announce(`Next code for ${accountLabel(row)}: ${spokenCode(shown.code, null)}.`);
      await this.refresh();
    });
  }

  private pin(row: CodeRowView) {
    return this.act(async () => {
      await api.codes_pin({ id: row.id, pinned: !row.pinned });
      announce(`${accountLabel(row)} ${row.pinned ? "unpinned" : "pinned to the top and the tray"}.`);
      await this.refresh();
    });
  }

  private move(row: CodeRowView, delta: number) {
    if (!this.list) return Promise.resolve();
    const order = visibleRows(this.list.accounts, "", null).map((r) => r.id);
    const moved = moveId(order, row.id, delta);
    if (moved.join() === order.join()) return Promise.resolve();
    return this.act(async () => {
      await api.codes_reorder({ ids: moved });
      announce(`${accountLabel(row)} moved ${delta < 0 ? "up" : "down"}.`);
      await this.refresh();
      this.focusRow(row.id);
    });
  }

  private remove(row: CodeRowView) {
    return this.act(async () => {
      const deleted = await api.codes_delete({ id: row.id });
      this.undo.deleted(deleted.id, accountLabel(deleted), Date.now());
      announce(`Deleted ${accountLabel(deleted)}. Undo is available for ${this.undo.secondsLeft(Date.now())} seconds.`);
      await this.refresh();
      this.undoBar.querySelector<HTMLElement>("button.undo")?.focus();
    });
  }

  private async restore() {
    const pending = this.undo.take(Date.now());
    if (!pending) return this.renderStatus();
    await this.act(async () => {
      const restored = await api.codes_undo({ id: pending.id });
      announce(`Restored ${accountLabel(restored)}.`);
      await this.refresh();
    });
  }
}
