// A minimal W3C WebDriver client (fetch only) for tauri-driver + WebKitWebDriver.
// The W3C WebDriver element reference key (WebDriver §12.1 "web element identifier").
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
/** WebDriver's codes for special keys (WebDriver §17.4.2, "keyboard actions"). */
export const KEY = { TAB: "\uE004", SHIFT: "\uE008" };

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  /** Starts the app at `application` through tauri-driver at `base`. */
  static async start(base, application, args = []) {
    const body = {
      capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application, args } } },
    };
    const value = await request("POST", `${base}/session`, body);
    return new Session(base, value.sessionId);
  }

  cmd(method, path, body) {
    return request(method, `${this.base}/session/${this.id}${path}`, body);
  }

  async find(css) {
    const found = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return found.map((e) => {
      if (!e[ELEMENT]) throw new Error(`the driver returned an element without ${ELEMENT}: ${JSON.stringify(e)}`);
      return e[ELEMENT];
    });
  }

  /** Waits until `css` matches (and, when given, its text matches `text`); returns the element. */
  async waitFor(css, { text, timeout = 15000 } = {}) {
    const deadline = Date.now() + timeout;
    let last = "";
    for (;;) {
      for (const el of await this.find(css)) {
        last = await this.text(el).catch(() => "");
        if (!text || text.test(last)) return el;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${css}${text ? ` with text ${text}` : ""} (last text: ${JSON.stringify(last)})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  click(el) {
    return this.cmd("POST", `/element/${el}/click`, {});
  }

  async type(el, text) {
    await this.cmd("POST", `/element/${el}/clear`, {});
    return this.cmd("POST", `/element/${el}/value`, { text });
  }

  text(el) {
    return this.cmd("GET", `/element/${el}/text`);
  }

  /** Runs `script` (a function body) in the page with `args`. */
  execute(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  /**
   * Presses each key in turn, as a person at the keyboard (WebDriver "Perform Actions"); a
   * key given as [modifier, key] is pressed with the modifier held.
   */
  async press(...keys) {
    const actions = keys.flatMap((key) => {
      const [modifier, main] = Array.isArray(key) ? key : [null, key];
      const down = [{ type: "keyDown", value: main }, { type: "keyUp", value: main }];
      return modifier ? [{ type: "keyDown", value: modifier }, ...down, { type: "keyUp", value: modifier }] : down;
    });
    await this.cmd("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions }] });
    await this.cmd("DELETE", "/actions");
  }

  /** Clicks the first `selector` whose text matches `text`. */
  async clickText(selector, text) {
    return this.click(await this.waitFor(selector, { text }));
  }

  end() {
    return this.cmd("DELETE", "");
  }
}

async function request(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}
