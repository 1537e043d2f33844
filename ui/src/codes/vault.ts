// The vault: create it with a password, unlock it with each slot (password, OS keyring,
// security key through hmac-secret), and manage the ways to unlock.
import { api } from "../api";
import type { DeviceView, VaultView } from "../bindings/keydesk";
import { withDialog } from "../components/ceremonyDialog";
import { announce, errorBox } from "../components/feedback";
import { h, replace } from "../dom";
import type { CodesContext } from "./context";
import { field, modal } from "./dialog";

/** The security key to use: the only one connected, or the one the user picks (null: cancelled). */
export async function chooseDevice(title: string): Promise<DeviceView | null> {
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

/**
 * Shows the create form (no vault yet) or the unlock form with every slot the vault has, in
 * `area`; `unlocked` runs once the vault is open.
 */
export function renderLocked(area: HTMLElement, vault: VaultView, ctx: CodesContext, unlocked: () => Promise<void>): void {
  const opened = (created: boolean) => {
    ctx.clearMessage();
    announce(created ? "Vault created." : "Vault unlocked.");
    return unlocked();
  };
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
      if (password.value.length < 8) return ctx.showMessage({ kind: "invalid_argument", message: "Use at least 8 characters." });
      if (password.value !== again.value) return ctx.showMessage({ kind: "invalid_argument", message: "The two passwords differ." });
      api
        .codes_create({ password: password.value })
        .then(() => opened(true))
        .catch(ctx.showMessage);
    });
    replace(area, form);
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
    api
      .codes_unlock_password({ password: password.value })
      .then(() => opened(false))
      .catch(ctx.showMessage);
    password.value = "";
  });
  const unlockWithKey = async () => {
    try {
      const device = await chooseDevice("Which security key?");
      if (!device) return;
      await withDialog({ title: "Unlocking with your security key" }, (ui) => api.codes_unlock_security_key({ device: device.id }, ui));
      await opened(false);
    } catch (error) {
      ctx.showMessage(error);
    }
  };
  const other = h("div", { class: "actions" });
  if (vault.slots.some((s) => s.kind === "keyring")) {
    other.append(h("button", { type: "button", onclick: () => void api.codes_unlock_keyring().then(() => opened(false)).catch(ctx.showMessage) }, "Unlock with the OS keyring"));
  }
  if (vault.slots.some((s) => s.kind === "fido2-hmac-secret")) {
    other.append(h("button", { type: "button", onclick: () => void unlockWithKey() }, "Unlock with a security key"));
  }
  replace(area, form, other);
  password.focus();
}

/** The "Ways to unlock" dialog: the password (always), the OS keyring, security keys. */
export async function openSlots(ctx: CodesContext): Promise<void> {
  let vault: VaultView;
  try {
    vault = await api.codes_status();
  } catch (error) {
    return ctx.showMessage(error);
  }
  const body = h("div", {});
  const { close } = modal("Ways to unlock", body);
  const render = (v: VaultView, note: unknown = null) => {
    const keyring = v.slots.some((s) => s.kind === "keyring");
    const label = h("input", { type: "text", value: "Security key", maxlength: 64 });
    const addKey = () =>
      void chooseDevice("Which security key?")
        .then((device) => device && withDialog({ title: "Adding your security key" }, (ui) => api.codes_slot_security_key_add({ device: device.id, label: label.value }, ui)))
        .then((n) => (n ? render(n) : undefined))
        .catch((e) => render(v, e));
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
      h("div", { class: "actions" }, h("button", { type: "button", onclick: addKey }, "Add a security key"), h("button", { type: "button", onclick: () => close() }, "Close")),
      note ? errorBox(note) : null,
    );
  };
  render(vault);
}
