// Key detail screen: information, PIN, passkeys, fingerprints, settings and the guided reset.
import { api } from "../api";
import type { FingerprintsView, KeyInfoView, PasskeyListView, SettingsView } from "../bindings/keydesk";
import { withDialog } from "../components/ceremonyDialog";
import { announce, confirmDialog, errorBox } from "../components/feedback";
import { h, replace } from "../dom";
import type { Screen } from "../screen";
import { newPinProblem, pinSummary, triesLeft } from "../views/pin";
import { capacityText, protectionLabel } from "../views/passkeys";

type Tab = "overview" | "pin" | "passkeys" | "fingerprints" | "settings" | "reset";
const TABS: [Tab, string][] = [
  ["overview", "Overview"],
  ["pin", "PIN"],
  ["passkeys", "Passkeys"],
  ["fingerprints", "Fingerprints"],
  ["settings", "Settings"],
  ["reset", "Reset"],
];

function field(label: string, value: string): HTMLElement[] {
  return [h("dt", {}, label), h("dd", {}, value || "—")];
}

function overview(panel: HTMLElement, info: KeyInfoView): void {
  replace(
    panel,
    h("h2", {}, "Overview"),
    h(
      "dl",
      { class: "facts" },
      ...field("Protocols", info.versions.join(", ")),
      ...field("AAGUID", info.aaguid),
      ...field("PIN", info.pin ? pinSummary(info.pin) : "Not supported (U2F only)"),
      ...(info.pin?.uv_supported ? field("Fingerprint", info.pin.uv_retries === null ? "Supported" : `${triesLeft(info.pin.uv_retries)} before the PIN is required`) : []),
      ...field("Room for passkeys", info.remaining_passkeys === null ? "" : `${info.remaining_passkeys} more`),
      ...field("Transports", info.transports.join(", ")),
      ...field("Extensions", info.extensions.join(", ")),
      ...field("Algorithms", info.algorithms.join(", ")),
      ...field("Firmware", info.firmware_version === null ? "" : String(info.firmware_version)),
      ...field("Options", info.options.map((o) => `${o.name}=${o.value}`).join(", ")),
    ),
  );
}

function pinPanel(panel: HTMLElement, device: string, info: KeyInfoView, refresh: () => void): void {
  const pin = info.pin;
  if (!pin || !pin.pin_supported) {
    replace(panel, h("h2", {}, "PIN"), h("p", {}, "This key has no PIN support."));
    return;
  }
  const isSet = pin.pin_set;
  const newPin = h("input", { type: "password", id: "new-pin", autocomplete: "new-password", required: true });
  const again = h("input", { type: "password", id: "new-pin-again", autocomplete: "new-password", required: true });
  const result = h("div", { class: "result", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "stack", "aria-label": isSet ? "Change the PIN" : "Set a PIN" },
    h("label", { for: "new-pin" }, isSet ? "New PIN" : "PIN"),
    newPin,
    h("label", { for: "new-pin-again" }, "Type it again"),
    again,
    h("p", { class: "hint" }, `At least ${pin.min_pin_length} characters${pin.max_pin_length ? `, at most ${pin.max_pin_length}` : ""}.`),
    h("button", { type: "submit", class: "primary" }, isSet ? "Change PIN" : "Set PIN"),
    result,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const problem = newPinProblem(newPin.value, again.value, pin.min_pin_length, pin.max_pin_length);
    if (problem) {
      replace(result, h("div", { class: "error", role: "alert", "data-kind": "invalid_argument" }, problem));
      return;
    }
    const value = newPin.value.normalize("NFC");
    newPin.value = "";
    again.value = "";
    const work = isSet
      ? withDialog({ title: "Changing the PIN" }, (ui) => api.pin_change({ device, new_pin: value }, ui))
      : api.pin_set({ device, pin: value });
    work
      .then((status) => {
        replace(result, h("p", { class: "ok" }, `${isSet ? "PIN changed" : "PIN set"}. ${pinSummary(status)}`));
        announce(isSet ? "PIN changed." : "PIN set.");
        refresh();
      })
      .catch((error) => replace(result, errorBox(error)));
  });
  replace(panel, h("h2", {}, "PIN"), h("p", { class: "pin-summary" }, pinSummary(pin)), form);
}

function passkeysPanel(panel: HTMLElement, device: string): void {
  const body = h("div", {});
  const load = () => withDialog({ title: "Reading passkeys" }, (ui) => api.passkeys_list({ device }, ui));
  const render = (list: PasskeyListView) => {
    const sites = list.sites.map((site) =>
      h(
        "section",
        { class: "site", "aria-label": site.rp_id },
        h("h3", {}, site.rp_name ? `${site.rp_name} (${site.rp_id})` : site.rp_id),
        h(
          "ul",
          { class: "passkeys" },
          ...site.passkeys.map((passkey) => {
            const userName = h("input", { type: "text", value: passkey.user_name ?? "", "aria-label": "User name" });
            const displayName = h("input", { type: "text", value: passkey.display_name ?? "", "aria-label": "Display name" });
            const editor = h(
              "form",
              { class: "inline", hidden: true },
              userName,
              displayName,
              h("button", { type: "submit" }, "Save"),
            );
            editor.addEventListener("submit", (event) => {
              event.preventDefault();
              withDialog({ title: "Renaming the passkey's user" }, (ui) =>
                api.passkey_update_user(
                  { device, credential_id: passkey.credential_id, user_name: userName.value, display_name: displayName.value },
                  ui,
                ),
              )
                .then((updated) => {
                  announce("Passkey user renamed.");
                  render(updated);
                  body.querySelector<HTMLElement>(`[data-credential="${CSS.escape(passkey.credential_id)}"] button`)?.focus();
                })
                .catch((error) => editor.append(errorBox(error)));
            });
            return h(
              "li",
              { class: "passkey", "data-credential": passkey.credential_id },
              h("span", { class: "user" }, passkey.display_name ?? passkey.user_name ?? "(no name stored)"),
              passkey.user_name ? h("span", { class: "muted" }, ` ${passkey.user_name}`) : null,
              h("span", { class: "badge" }, protectionLabel(passkey.protection)),
              h(
                "button",
                {
                  type: "button",
                  onclick: () => {
                    editor.hidden = !editor.hidden;
                    if (!editor.hidden) userName.focus();
                  },
                },
                "Rename user",
              ),
              h(
                "button",
                {
                  type: "button",
                  class: "danger",
                  onclick: async () => {
                    const who = passkey.user_name ?? passkey.display_name ?? "this account";
                    if (!(await confirmDialog(`Delete the passkey for ${who} on ${site.rp_id}?`, "You can no longer sign in with it on that site.", "Delete passkey"))) return;
                    withDialog(
                      { title: "Deleting the passkey", returnFocus: () => body.querySelector<HTMLElement>(".capacity") },
                      (ui) => api.passkey_delete({ device, credential_id: passkey.credential_id }, ui),
                    )
                      .then((updated) => {
                        announce("Passkey deleted.");
                        render(updated);
                        body.querySelector<HTMLElement>(".capacity")?.focus();
                      })
                      .catch((error) => body.prepend(errorBox(error)));
                  },
                },
                "Delete",
              ),
              editor,
            );
          }),
        ),
      ),
    );
    replace(
      body,
      h("p", { class: "capacity", tabindex: "-1" }, capacityText(list.existing, list.remaining)),
      ...(sites.length ? sites : [h("p", { class: "empty" }, "No passkeys are stored on this key.")]),
    );
  };
  replace(
    panel,
    h("h2", {}, "Passkeys"),
    h("p", {}, "Passkeys stored on the key, by site. Reading them needs the PIN."),
    h("button", { type: "button", class: "primary", onclick: () => void load().then(render).catch((e) => replace(body, errorBox(e))) }, "Show passkeys"),
    body,
  );
}

function fingerprintsPanel(panel: HTMLElement, device: string, info: KeyInfoView): void {
  if (!info.fingerprint_sensor) {
    replace(panel, h("h2", {}, "Fingerprints"), h("p", {}, "This key has no fingerprint sensor."));
    return;
  }
  const body = h("div", {});
  let samples: number | null = null;
  const render = (view: FingerprintsView) => {
    samples = view.samples_per_enrollment;
    const name = h("input", { type: "text", id: "fingerprint-name", placeholder: "e.g. right thumb" });
    const enroll = h(
      "form",
      { class: "inline", "aria-label": "Add a fingerprint" },
      h("label", { for: "fingerprint-name" }, "Name of the new fingerprint"),
      name,
      h("button", { type: "submit", class: "primary" }, "Add fingerprint"),
    );
    enroll.addEventListener("submit", (event) => {
      event.preventDefault();
      const first = samples ? ` (sample 1 of ${samples})` : "";
      withDialog(
        {
          title: "Adding a fingerprint",
          samplesPerEnrollment: samples,
          waiting: `Touch the fingerprint sensor with the finger to add${first}.`,
          returnFocus: () => body.querySelector<HTMLElement>("#fingerprint-name"),
        },
        (ui) =>
        api.fingerprint_enroll({ device, name: name.value || null }, ui),
      )
        .then((updated) => {
          announce("Fingerprint added.");
          render(updated);
          body.querySelector<HTMLElement>("#fingerprint-name")?.focus();
        })
        .catch((error) => body.prepend(errorBox(error)));
    });
    replace(
      body,
      h(
        "ul",
        { class: "fingerprints" },
        ...view.fingerprints.map((fp) => {
          const rename = h("input", { type: "text", value: fp.name ?? "", "aria-label": `Name of fingerprint ${fp.name ?? fp.template_id}` });
          const form = h("form", { class: "inline" }, rename, h("button", { type: "submit" }, "Rename"));
          form.addEventListener("submit", (event) => {
            event.preventDefault();
            withDialog({ title: "Renaming the fingerprint" }, (ui) =>
              api.fingerprint_rename({ device, template_id: fp.template_id, name: rename.value }, ui),
            )
              .then((updated) => {
                render(updated);
                body.querySelector<HTMLElement>(`[data-template="${CSS.escape(fp.template_id)}"] input`)?.focus();
              })
              .catch((error) => form.append(errorBox(error)));
          });
          return h(
            "li",
            { class: "fingerprint", "data-template": fp.template_id },
            form,
            h(
              "button",
              {
                type: "button",
                class: "danger",
                onclick: async () => {
                  if (!(await confirmDialog(`Delete the fingerprint ${fp.name ?? fp.template_id}?`, "It can no longer unlock the key.", "Delete"))) return;
                  withDialog(
                    { title: "Deleting the fingerprint", returnFocus: () => body.querySelector<HTMLElement>("#fingerprint-name") },
                    (ui) => api.fingerprint_delete({ device, template_id: fp.template_id }, ui),
                  )
                    .then((updated) => {
                      render(updated);
                      body.querySelector<HTMLElement>("#fingerprint-name")?.focus();
                    })
                    .catch((error) => body.prepend(errorBox(error)));
                },
              },
              "Delete",
            ),
          );
        }),
      ),
      enroll,
    );
  };
  replace(
    panel,
    h("h2", {}, "Fingerprints"),
    h(
      "button",
      {
        type: "button",
        class: "primary",
        onclick: () =>
          void withDialog({ title: "Reading fingerprints" }, (ui) => api.fingerprints_list({ device }, ui))
            .then(render)
            .catch((e) => replace(body, errorBox(e))),
      },
      "Show fingerprints",
    ),
    body,
  );
}

function settingsPanel(panel: HTMLElement, device: string, settings: SettingsView | null): void {
  if (!settings || !settings.configurable) {
    replace(panel, h("h2", {}, "Settings"), h("p", {}, "This key offers no settings (authenticatorConfig)."));
    return;
  }
  const result = h("div", { class: "result", "aria-live": "polite" });
  const done = (what: string) => (updated: SettingsView) => {
    announce(what);
    settingsPanel(panel, device, updated);
    panel.append(h("p", { class: "ok" }, what));
  };
  const fail = (error: unknown) => replace(result, errorBox(error));
  const parts: HTMLElement[] = [h("h2", {}, "Settings")];
  if (settings.always_uv !== null) {
    const on = settings.always_uv;
    parts.push(
      h(
        "div",
        { class: "setting" },
        h("p", {}, `Always require user verification: ${on ? "on" : "off"}. When on, every sign-in needs the PIN or a fingerprint.`),
        h(
          "button",
          { type: "button", onclick: () => void withDialog({ title: "Changing always-UV" }, (ui) => api.settings_always_uv({ device, on: !on }, ui)).then(done(`Always-UV turned ${on ? "off" : "on"}.`)).catch(fail) },
          on ? "Turn off" : "Turn on",
        ),
      ),
    );
  }
  if (settings.min_pin_length_settable) {
    const length = h("input", { type: "number", id: "min-pin-length", min: settings.min_pin_length, max: 63, value: settings.min_pin_length });
    const rpIds = h("input", { type: "text", id: "min-pin-rp-ids", placeholder: "example.com, login.example.org" });
    const force = h("input", { type: "checkbox", id: "min-pin-force" });
    const form = h(
      "form",
      { class: "stack setting", "aria-label": "Minimum PIN length" },
      h("p", {}, `Minimum PIN length: ${settings.min_pin_length}. It can only be raised.`),
      h("label", { for: "min-pin-length" }, "New minimum"),
      length,
      h("label", { for: "min-pin-rp-ids" }, `Sites allowed to read it${settings.max_rp_ids_for_min_pin_length ? ` (at most ${settings.max_rp_ids_for_min_pin_length})` : ""}`),
      rpIds,
      h("label", {}, force, " Require a PIN change"),
      h("button", { type: "submit" }, "Apply"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const wanted = Number(length.value);
      const ids = rpIds.value.split(",").map((s) => s.trim()).filter(Boolean);
      withDialog({ title: "Changing the minimum PIN length" }, (ui) =>
        api.settings_min_pin_length(
          { device, min_length: wanted > settings.min_pin_length ? wanted : null, rp_ids: ids, force_change_pin: force.checked },
          ui,
        ),
      )
        .then(done("Minimum PIN length updated."))
        .catch(fail);
    });
    parts.push(form);
  }
  parts.push(
    h(
      "div",
      { class: "setting" },
      h("p", {}, settings.force_pin_change ? "A PIN change is required before the key's next use." : "Force a PIN change: the key refuses PIN use until the PIN is changed."),
      h(
        "button",
        { type: "button", disabled: settings.force_pin_change, onclick: () => void withDialog({ title: "Forcing a PIN change" }, (ui) => api.settings_force_pin_change({ device }, ui)).then(done("A PIN change is now required.")).catch(fail) },
        "Force PIN change",
      ),
    ),
  );
  if (settings.enterprise_attestation !== null) {
    parts.push(
      h(
        "div",
        { class: "setting" },
        h("p", {}, `Enterprise attestation: ${settings.enterprise_attestation ? "enabled" : "disabled"}. Lets sites your organisation names identify this exact key.`),
        h(
          "button",
          {
            type: "button",
            disabled: settings.enterprise_attestation,
            onclick: async () => {
              if (!(await confirmDialog("Enable enterprise attestation?", "Sites your organisation configured may then identify this particular key. Only a reset turns it off.", "Enable"))) return;
              withDialog({ title: "Enabling enterprise attestation" }, (ui) => api.settings_enterprise_attestation({ device }, ui)).then(done("Enterprise attestation enabled.")).catch(fail);
            },
          },
          "Enable",
        ),
      ),
    );
  }
  parts.push(result);
  replace(panel, ...parts);
}

function resetPanel(panel: HTMLElement, device: string, refresh: () => void): void {
  const body = h("div", {});
  replace(panel, h("h2", {}, "Reset"), body);
  api
    .reset_guide({ device })
    .then((guide) => {
      const start = async () => {
        if (!(await confirmDialog("Reset this key?", guide.warning, "Continue"))) return;
        if (!(await confirmDialog("Really erase everything on it?", "This cannot be undone.", "Erase everything"))) return;
        const touchPrompt = guide.long_touch
          ? "Touch and hold the key for several seconds now (it blinks): the reset happens when you do."
          : "Touch the key now (it blinks): the reset happens when you touch it.";
        withDialog({ title: "Resetting the key", steps: guide.steps, touchPrompt, returnFocus: () => body.querySelector<HTMLElement>("button") }, (ui) =>
          api.reset_key({ device, confirmed: true }, ui),
        )
          .then(() => {
            replace(body, h("p", { class: "ok" }, "The key was reset: it has no passkeys, no PIN and no fingerprints now."));
            announce("Key reset.");
            refresh();
          })
          .catch((error) => body.append(errorBox(error)));
      };
      replace(
        body,
        h("p", { class: "warning" }, guide.warning),
        h("ol", { class: "steps" }, ...guide.steps.map((step) => h("li", {}, step))),
        h(
          "p",
          { class: "hint" },
          `The key accepts a reset only within about ${guide.window_seconds} seconds of being plugged in or placed on the reader${guide.long_touch ? ", and wants a long touch" : ""}: KeyDesk sends it as soon as the key is back.`,
        ),
        h("button", { type: "button", class: "danger", onclick: start }, "Start reset"),
      );
    })
    .catch((error) => replace(body, errorBox(error)));
}

const screen: Screen = {
  title: "Key",
  mount(root, ctx, route) {
    const device = route.device ?? "";
    const panel = h("div", { class: "panel", role: "tabpanel", id: "key-panel", tabindex: "-1" });
    const heading = h("h1", {}, "Security key");
    const tabs = h("div", { class: "tabs", role: "tablist", "aria-label": "Key sections" });
    let info: KeyInfoView | null = null;
    let current: Tab = "overview";
    const show = (tab: Tab) => {
      current = tab;
      for (const button of Array.from(tabs.querySelectorAll("button"))) {
        const selected = button.dataset.tab === tab;
        button.setAttribute("aria-selected", String(selected));
        button.tabIndex = selected ? 0 : -1;
      }
      // The panel is named after its tab, so a screen reader says "PIN, tab panel".
      panel.setAttribute("aria-labelledby", `key-tab-${tab}`);
      if (!info) return;
      switch (tab) {
        case "overview":
          return overview(panel, info);
        case "pin":
          return pinPanel(panel, device, info, refresh);
        case "passkeys":
          return passkeysPanel(panel, device);
        case "fingerprints":
          return fingerprintsPanel(panel, device, info);
        case "settings":
          return settingsPanel(panel, device, info.settings);
        case "reset":
          return resetPanel(panel, device, refresh);
      }
    };
    for (const [tab, label] of TABS) {
      tabs.append(
        h("button", { type: "button", role: "tab", id: `key-tab-${tab}`, "data-tab": tab, "aria-controls": "key-panel", onclick: () => show(tab) }, label),
      );
    }
    // Arrow keys move between tabs (WAI-ARIA tabs pattern).
    tabs.addEventListener("keydown", (event) => {
      const index = TABS.findIndex(([tab]) => tab === current);
      const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      const next = TABS[(index + step + TABS.length) % TABS.length];
      if (!next) return;
      show(next[0]);
      (tabs.querySelector(`[data-tab="${next[0]}"]`) as HTMLButtonElement | null)?.focus();
    });
    function refresh() {
      api
        .key_info({ device })
        .then((fresh) => {
          info = fresh;
          if (current === "overview") show("overview");
        })
        .catch((error) => replace(panel, errorBox(error)));
    }
    replace(
      root,
      h("p", {}, h("a", { href: "#/keys", onclick: (e: Event) => { e.preventDefault(); ctx.navigate({ screen: "keys" }); } }, "← All keys")),
      heading,
      tabs,
      panel,
    );
    api
      .list_devices()
      .then((list) => {
        const found = list.devices.find((d) => d.id === device);
        if (found) heading.textContent = found.simulated ? `${found.name} (simulated)` : found.name;
      })
      .catch(() => undefined);
    replace(panel, h("p", {}, "Reading the key…"));
    api
      .key_info({ device })
      .then((fresh) => {
        info = fresh;
        show("overview");
      })
      .catch((error) => replace(panel, errorBox(error)));
  },
};

export default screen;
