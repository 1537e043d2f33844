// What every screen module exports (see /work/app-conventions.md).
import type { AppInfo } from "./bindings/keydesk";
import type { Route } from "./views/route";

/** What the shell gives a screen. */
export interface AppContext {
  /** How the app was started (developer mode, server URL, version). */
  info: AppInfo;
  /** Goes to another screen. */
  navigate(route: Route): void;
}

/**
 * Renders a screen into `root` (an empty <section> with an <h1> added by the screen itself).
 * May return a cleanup function, called when the user leaves the screen.
 */
export type Mount = (root: HTMLElement, ctx: AppContext, route: Route) => void | (() => void);

/** A screen module's default export. */
export interface Screen {
  /** The navigation label ("Codes"). */
  title: string;
  mount: Mount;
}
