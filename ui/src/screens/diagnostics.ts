// Diagnostics screen: why a key may not show up, in plain words, with the fix to copy.
import { api } from "../api";
import type { Check } from "../bindings/keydesk";
import { errorBox } from "../components/feedback";
import { h, replace } from "../dom";
import type { Screen } from "../screen";

function checkItem(check: Check): HTMLElement {
  return h(
    "li",
    { class: `check ${check.ok ? "ok" : "problem"}`, "data-check": check.id },
    h("h2", {}, h("span", { class: "mark", "aria-hidden": "true" }, check.ok ? "✓ " : "! "), check.title),
    h("p", {}, h("span", { class: "visually-hidden" }, check.ok ? "OK: " : "Problem: "), check.message),
    check.fix_commands.length
      ? h("div", { class: "fix" }, h("p", {}, "To fix it, run:"), h("pre", { tabindex: "0", "aria-label": "Commands that fix it" }, check.fix_commands.join("\n")))
      : null,
    check.fix_file
      ? h("details", {}, h("summary", {}, `The file ${check.fix_file.name}`), h("pre", { tabindex: "0" }, check.fix_file.contents))
      : null,
  );
}

const screen: Screen = {
  title: "Diagnostics",
  mount(root) {
    const list = h("ul", { class: "checks", "aria-label": "Checks", "aria-busy": "true" }, h("li", {}, "Checking…"));
    const run = () => {
      list.setAttribute("aria-busy", "true");
      api
        .diagnostics()
        .then((result) => replace(list, ...result.checks.map(checkItem)))
        .catch((error) => replace(list, h("li", {}, errorBox(error))))
        .finally(() => list.setAttribute("aria-busy", "false"));
    };
    replace(
      root,
      h("h1", {}, "Diagnostics"),
      h("p", { class: "lead" }, "If a key does not show up, these checks say why and how to fix it."),
      h("button", { type: "button", onclick: run }, "Check again"),
      list,
    );
    run();
  },
};

export default screen;
