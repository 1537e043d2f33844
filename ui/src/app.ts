// The shell: navigation (Keys, Codes, Servers, Diagnostics), the screen area, theme switch,
// and a live region for announcements. Screens are modules exporting a `Screen`.
import { api } from "./api";
import type { AppInfo } from "./bindings/keydesk";
import { h, replace } from "./dom";
import type { AppContext, Screen } from "./screen";
import keys from "./screens/keys";
import keyDetail from "./screens/keyDetail";
import diagnostics from "./screens/diagnostics";
import { applyTheme, followSystemTheme, nextTheme, savedTheme, setTheme } from "./theme";
import { parseRoute, routeHash, type Route, type ScreenName } from "./views/route";

// The Codes and Servers screens live in ui/src/codes/ and ui/src/servers/ (screen.ts there).
const optional = import.meta.glob<{ default: Screen }>(["./codes/screen.ts", "./servers/screen.ts"], { eager: true });

function unavailable(title: string): Screen {
  return {
    title,
    mount(root) {
      replace(root, h("h1", {}, title), h("p", {}, `The ${title} screen is not part of this build.`));
    },
  };
}

const SCREENS: Record<ScreenName, Screen> = {
  keys,
  key: keyDetail,
  codes: optional["./codes/screen.ts"]?.default ?? unavailable("Codes"),
  servers: optional["./servers/screen.ts"]?.default ?? unavailable("Servers"),
  diagnostics,
};

const NAV: ScreenName[] = ["keys", "codes", "servers", "diagnostics"];

export function startApp(root: HTMLElement, info: AppInfo): void {
  applyTheme(savedTheme());
  followSystemTheme();
  const main = h("main", { id: "main", tabindex: "-1" });
  const navLinks = NAV.map((name) => h("a", { href: routeHash({ screen: name }), "data-screen": name }, SCREENS[name].title));
  const themeButton = h("button", { type: "button", class: "theme", "aria-label": "Theme" });
  const showThemeLabel = () => {
    const choice = savedTheme();
    themeButton.textContent = `Theme: ${choice}`;
    themeButton.setAttribute("aria-label", `Theme: ${choice}. Activate to change.`);
  };
  themeButton.addEventListener("click", () => {
    setTheme(nextTheme(savedTheme()));
    showThemeLabel();
  });
  showThemeLabel();
  replace(
    root,
    h("a", { class: "skip", href: "#main", onclick: (e: Event) => { e.preventDefault(); main.focus(); } }, "Skip to content"),
    h(
      "header",
      {},
      h("span", { class: "brand" }, "KeyDesk"),
      h("nav", { "aria-label": "Main" }, ...navLinks),
      info.developer ? h("span", { class: "badge simulated", title: "Started with --developer" }, "Developer mode") : null,
      themeButton,
    ),
    main,
    h("div", { id: "announcer", class: "visually-hidden", role: "status", "aria-live": "polite" }),
  );

  let cleanup: void | (() => void);
  const ctx: AppContext = {
    info,
    navigate(route: Route) {
      const hash = routeHash(route);
      if (location.hash === hash) render(true);
      else location.hash = hash;
    },
  };
  /** Renders the route; after a navigation, focus moves to the new screen's heading. */
  function render(moveFocus: boolean) {
    if (typeof cleanup === "function") cleanup();
    const route = parseRoute(location.hash);
    const screen = SCREENS[route.screen];
    const active = route.screen === "key" ? "keys" : route.screen;
    for (const link of navLinks) {
      if (link.dataset.screen === active) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    document.title = `${screen.title} – KeyDesk`;
    const section = h("section", { class: `screen screen-${route.screen}` });
    replace(main, section);
    cleanup = screen.mount(section, ctx, route);
    if (moveFocus) {
      const heading = section.querySelector("h1");
      heading?.setAttribute("tabindex", "-1");
      (heading ?? main).focus();
    }
  }
  window.addEventListener("hashchange", () => render(true));
  render(false);
  // Two frames after the first render the shell is on screen (the start-up benchmark's mark).
  requestAnimationFrame(() => requestAnimationFrame(() => void api.first_paint().catch(() => undefined)));
}

/** Loads how the app was started, then shows the shell. */
export async function boot(root: HTMLElement): Promise<void> {
  let info: AppInfo = { version: "", developer: false, server_url: null };
  try {
    info = await api.app_info();
  } catch {
    // Without the backend (a plain browser) the shell still renders; commands report errors.
  }
  startApp(root, info);
}
