// Keys screen: every authenticator live (hot-plug), with friendly names, status and problems.
import { api } from "../api";
import type { DeviceList, DeviceView } from "../bindings/keydesk";
import { announce, errorBox } from "../components/feedback";
import { h, replace } from "../dom";
import type { Screen } from "../screen";
import { announceChanges, keyStatus, sortDevices, transportLabel } from "../views/devices";

function deviceCard(device: DeviceView, open: () => void): HTMLElement {
  const status = h("p", { class: "status", "data-status-of": device.id }, "Reading the key…");
  api
    .key_info({ device: device.id })
    .then((info) => (status.textContent = keyStatus(info)))
    .catch((error) => replace(status, errorBox(error)));
  const nameInput = h("input", {
    type: "text",
    value: device.name,
    "aria-label": `Name for ${device.name}`,
    maxlength: 64,
  });
  const renameForm = h(
    "form",
    { class: "rename", hidden: true },
    nameInput,
    h("button", { type: "submit" }, "Save"),
  );
  renameForm.addEventListener("submit", (event) => {
    event.preventDefault();
    api
      .rename_device({ device: device.id, name: nameInput.value })
      .then(() => announce(`Renamed to ${nameInput.value || "the default name"}.`))
      .catch((error) => renameForm.append(errorBox(error)));
  });
  return h(
    "li",
    { class: "device-card", "data-device": device.id },
    h(
      "div",
      { class: "device-head" },
      h("h2", {}, h("a", { href: `#/keys/${encodeURIComponent(device.id)}`, onclick: (e: Event) => { e.preventDefault(); open(); } }, device.name)),
      h("span", { class: "badge" }, transportLabel(device.transport)),
      device.simulated ? h("span", { class: "badge simulated", title: "A software key for development" }, "Simulated") : null,
    ),
    device.product && device.product !== device.name ? h("p", { class: "product" }, device.product) : null,
    status,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", onclick: open }, "Manage"),
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            renameForm.hidden = !renameForm.hidden;
            if (!renameForm.hidden) nameInput.focus();
          },
        },
        "Rename",
      ),
    ),
    renameForm,
  );
}

const screen: Screen = {
  title: "Keys",
  mount(root, ctx) {
    const list = h("ul", { class: "devices", "aria-label": "Security keys" });
    const problems = h("div", { class: "problems" });
    const developer = ctx.info.developer
      ? h(
          "div",
          { class: "developer", role: "group", "aria-label": "Developer menu" },
          h("span", { class: "badge simulated" }, "Developer"),
          h("button", { type: "button", onclick: () => void api.dev_attach_simulated_key().then(render).catch(showError) }, "Attach simulated key"),
          h("button", { type: "button", onclick: () => void api.dev_detach_simulated_key().then(render).catch(showError) }, "Detach simulated key"),
        )
      : null;
    replace(
      root,
      h("h1", {}, "Security keys"),
      h("p", { class: "lead" }, "Every security key connected over USB or NFC, and this computer. Keys appear and disappear as you plug them in."),
      developer,
      problems,
      list,
    );
    let shown: DeviceView[] = [];
    function showError(error: unknown) {
      replace(problems, errorBox(error));
    }
    function render(devices: DeviceList) {
      const sorted = sortDevices(devices.devices);
      for (const line of announceChanges(shown, sorted)) announce(line);
      shown = sorted;
      replace(
        list,
        ...(sorted.length === 0
          ? [h("li", { class: "empty" }, "No security key found. Plug one in, or put it on an NFC reader.")]
          : sorted.map((device) => deviceCard(device, () => ctx.navigate({ screen: "key", device: device.id })))),
      );
      replace(
        problems,
        ...devices.problems.map((problem) =>
          h(
            "div",
            { class: "notice", role: "note", "data-problem": problem.kind },
            problem.message,
            " ",
            h("a", { href: "#/diagnostics" }, "Diagnostics"),
          ),
        ),
      );
    }
    api.watch_devices(render).catch(showError);
  },
};

export default screen;
