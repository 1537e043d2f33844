// Hash routes: #/keys, #/keys/<device id>, #/codes, #/servers, #/diagnostics.

export type ScreenName = "keys" | "key" | "codes" | "servers" | "diagnostics";

export interface Route {
  screen: ScreenName;
  /** The device of the key detail screen. */
  device?: string;
}

const TOP: ScreenName[] = ["keys", "codes", "servers", "diagnostics"];

/** Parses a location hash; anything unknown shows the Keys screen. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/");
  const [first, ...rest] = parts;
  if (first === "keys" && rest.length > 0 && rest.join("/") !== "") {
    return { screen: "key", device: decodeURIComponent(rest.join("/")) };
  }
  const screen = TOP.find((name) => name === first);
  return { screen: screen ?? "keys" };
}

/** The hash for a route. */
export function routeHash(route: Route): string {
  if (route.screen === "key" && route.device !== undefined) {
    return `#/keys/${encodeURIComponent(route.device)}`;
  }
  return `#/${route.screen === "key" ? "keys" : route.screen}`;
}
