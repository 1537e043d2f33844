// A fake KeyDesk backend behind window.__TAURI_INTERNALS__, injected before the UI loads, so
// the built UI runs in a plain Chromium with the IPC mocked. It speaks the same protocol as
// src-tauri: snake_case arguments, {kind, message} errors, Channels for ceremonies (events
// delivered as {index, message}), ceremony_answer / ceremony_cancel.
//
// Tests steer it through window.__KEYDESK_MOCK__ (plug/unplug keys, inspect calls) and may set
// window.__KEYDESK_SCENARIO__ before it runs (see harness.mjs).
(() => {
  const scenario = Object.assign(
    {
      developer: false,
      problems: [],
      keyringOk: true,
      pin: "1234",
      pinSet: true,
      retries: 8,
      fingerprintSensor: true,
      devices: [
        { id: "usb:1050:0407:0001", transport: "usb", product: "YubiKey 5 NFC", name: "Work key", simulated: false },
      ],
    },
    window.__KEYDESK_SCENARIO__ || {},
  );
  const calls = [];
  const callbacks = new Map();
  let nextCallback = 1;
  const watchers = [];
  const ceremonies = new Map();
  const key = {
    pinSet: scenario.pinSet,
    pin: scenario.pin,
    retries: scenario.retries,
    alwaysUv: false,
    minPinLength: 4,
    forcePinChange: false,
    enterpriseAttestation: false,
    sites: [
      {
        rp_id: "github.com",
        rp_name: "GitHub",
        passkeys: [
          { credential_id: "Y3JlZC0x", user_id: "dXNlcjE", user_name: "alice", display_name: "Alice", protection: "uv_optional" },
        ],
      },
      {
        rp_id: "login.example.org",
        rp_name: null,
        passkeys: [
          { credential_id: "Y3JlZC0y", user_id: "dXNlcjI", user_name: "alice@example.org", display_name: "Alice Example", protection: "uv_required" },
        ],
      },
    ],
    fingerprints: [{ template_id: "01", name: "right thumb" }],
  };

  const err = (kind, message) => ({ kind, message });
  const send = (channel, message) => {
    channel.__index = (channel.__index ?? -1) + 1;
    const cb = callbacks.get(channel.id);
    if (cb) cb({ index: channel.__index, message });
  };
  const list = () => ({ devices: scenario.devices.slice(), problems: scenario.problems.slice() });
  const notify = () => watchers.forEach((channel) => send(channel, list()));
  const pinStatus = () => ({
    pin_supported: true,
    pin_set: key.pinSet,
    pin_retries: key.retries,
    power_cycle_required: scenario.powerCycleRequired ?? false,
    uv_supported: scenario.fingerprintSensor,
    uv_retries: scenario.fingerprintSensor ? 5 : null,
    force_pin_change: key.forcePinChange,
    min_pin_length: key.minPinLength,
    max_pin_length: null,
  });
  const settings = () => ({
    configurable: true,
    always_uv: key.alwaysUv,
    min_pin_length: key.minPinLength,
    min_pin_length_settable: true,
    max_rp_ids_for_min_pin_length: 2,
    force_pin_change: key.forcePinChange,
    enterprise_attestation: key.enterpriseAttestation,
  });
  const info = () => ({
    ctap2: true,
    versions: ["FIDO_2_0", "FIDO_2_1"],
    aaguid: "2fc0579f-8113-47ea-b116-bb5a8db9202a",
    extensions: ["credProtect", "hmac-secret", "largeBlobKey"],
    transports: ["nfc", "usb"],
    algorithms: [-7, -8],
    options: [
      { name: "clientPin", value: key.pinSet },
      { name: "credMgmt", value: true },
      { name: "rk", value: true },
    ],
    remaining_passkeys: 25 - key.sites.reduce((n, s) => n + s.passkeys.length, 0),
    firmware_version: 328707,
    pin: pinStatus(),
    settings: settings(),
    fingerprint_sensor: scenario.fingerprintSensor,
  });
  const passkeys = () => {
    const existing = key.sites.reduce((n, s) => n + s.passkeys.length, 0);
    return { existing, remaining: 25 - existing, sites: key.sites.filter((s) => s.passkeys.length) };
  };
  const fingerprints = () => ({ sensor_kind: "touch", samples_per_enrollment: 4, max_name_bytes: 32, fingerprints: key.fingerprints.slice() });

  // A ceremony: prompts wait for ceremony_answer; cancel rejects with kind "cancelled".
  function startCeremony(args) {
    const c = { id: args.ceremony, channel: args.events, waiting: null, cancelled: false };
    ceremonies.set(c.id, c);
    c.ask = (message) =>
      new Promise((resolve, reject) => {
        if (c.cancelled) return reject(err("cancelled", "Cancelled; nothing more was done."));
        c.waiting = { resolve, reject };
        send(c.channel, message);
      });
    c.end = () => ceremonies.delete(c.id);
    return c;
  }
  async function withPin(c, purpose) {
    if (!key.pinSet) throw err("pin_not_set", "This key has no PIN yet: set a PIN first");
    let reason = "required";
    for (;;) {
      const reply = await c.ask({ kind: "pin_needed", purpose, reason, retries_left: key.retries });
      if (reply.kind !== "pin") throw err("cancelled", "Cancelled; nothing more was done.");
      if (reply.pin === key.pin) {
        key.retries = 8;
        return;
      }
      key.retries -= 1;
      if (key.retries === 0) throw err("pin_blocked", "PIN blocked: reset the key to use it again (this deletes all its passkeys)");
      reason = "wrong_pin";
    }
  }
  async function ceremony(args, work) {
    const c = startCeremony(args);
    try {
      return await work(c);
    } finally {
      c.end();
    }
  }
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const need = (args, name) => {
    if (!(name in args)) throw err("invalid_argument", `missing argument ${name}`);
    return args[name];
  };
  const knownDevice = (args) => {
    const id = need(args, "device");
    if (!scenario.devices.some((d) => d.id === id)) throw err("disconnected", "the security key was removed or lost power; reconnect it (or tap it again) and retry");
  };

  const commands = {
    app_info: () => ({ version: "0.1.0", developer: scenario.developer, server_url: "http://127.0.0.1:8080" }),
    list_devices: () => list(),
    first_paint: () => null,
    watch_devices: (args) => {
      watchers.push(args.events);
      setTimeout(() => send(args.events, list()), 0);
      return null;
    },
    rename_device: (args) => {
      const d = scenario.devices.find((x) => x.id === args.device);
      if (d) d.name = args.name.trim() || d.product;
      notify();
      return list();
    },
    dev_attach_simulated_key: () => {
      if (!scenario.developer) throw err("developer_only", "start KeyDesk with --developer");
      if (!scenario.devices.some((d) => d.simulated)) {
        scenario.devices.push({ id: "virtual:simulated", transport: "usb", product: "Simulated security key", name: "Simulated security key", simulated: true });
      }
      notify();
      return list();
    },
    dev_detach_simulated_key: () => {
      scenario.devices = scenario.devices.filter((d) => !d.simulated);
      notify();
      return list();
    },
    diagnostics: () => {
      const problem = (kind) => scenario.problems.filter((p) => p.kind === kind).map((p) => p.message);
      const pcscd = problem("pcscd_not_running");
      const hid = problem("no_hidraw_permission");
      return {
        checks: [
          {
            id: "pcscd",
            title: "Smart-card service (pcscd) for NFC readers",
            ok: pcscd.length === 0,
            message: pcscd[0] ?? "pcscd is running: NFC readers are visible.",
            fix_commands: pcscd.length ? ["sudo systemctl enable --now pcscd.socket"] : [],
            fix_file: null,
          },
          {
            id: "usb_permission",
            title: "Access to USB security keys",
            ok: hid.length === 0,
            message: hid[0] ? `${hid[0]} After installing the rules below, unplug the key and plug it in again.` : "Every USB security key found can be opened.",
            fix_commands: hid.length ? ["sudo install -m 0644 70-keydesk-fido.rules /etc/udev/rules.d/", "sudo udevadm control --reload-rules", "sudo udevadm trigger --subsystem-match=hidraw"]  : [],
            fix_file: hid.length ? { name: "70-keydesk-fido.rules", contents: 'SUBSYSTEM=="hidraw", ENV{ID_FIDO_TOKEN}=="1", TAG+="uaccess"' } : null,
          },
          { id: "nfc_cards", title: "Cards on NFC readers", ok: true, message: "No reader holds a card that is not a security key.", fix_commands: [], fix_file: null },
          {
            id: "keyring",
            title: "OS keyring",
            ok: scenario.keyringOk,
            message: scenario.keyringOk ? "The OS keyring answers: the codes vault can keep its key there." : "The OS keyring (Secret Service) is not available (no D-Bus session).",
            fix_commands: scenario.keyringOk ? [] : ["sudo apt install gnome-keyring"],
            fix_file: null,
          },
        ],
      };
    },
    key_info: (args) => {
      knownDevice(args);
      // scenario.infoFor[device] changes what another key reports (its PIN state merged).
      const base = info();
      const other = (scenario.infoFor || {})[args.device];
      return other ? { ...base, ...other, pin: { ...base.pin, ...(other.pin || {}) } } : base;
    },
    pin_set: (args) => {
      knownDevice(args);
      if (key.pinSet) throw err("pin_already_set", "This key already has a PIN: change it instead (you need the current PIN)");
      key.pin = need(args, "pin");
      key.pinSet = true;
      return pinStatus();
    },
    pin_change: (args) =>
      ceremony(args, async (c) => {
        knownDevice(args);
        await withPin(c, "(the current one) to change it");
        key.pin = need(args, "new_pin");
        return pinStatus();
      }),
    passkeys_list: (args) => ceremony(args, async (c) => (await withPin(c, "to manage stored passkeys"), passkeys())),
    passkey_update_user: (args) =>
      ceremony(args, async (c) => {
        await withPin(c, "to manage stored passkeys");
        for (const s of key.sites) for (const p of s.passkeys) if (p.credential_id === args.credential_id) {
          if (args.user_name !== null) p.user_name = args.user_name;
          if (args.display_name !== null) p.display_name = args.display_name;
        }
        return passkeys();
      }),
    passkey_delete: (args) =>
      ceremony(args, async (c) => {
        await withPin(c, "to manage stored passkeys");
        for (const s of key.sites) s.passkeys = s.passkeys.filter((p) => p.credential_id !== args.credential_id);
        return passkeys();
      }),
    fingerprints_list: (args) => ceremony(args, async (c) => (await withPin(c, "to manage fingerprints"), fingerprints())),
    fingerprint_enroll: (args) =>
      ceremony(args, async (c) => {
        await withPin(c, "to manage fingerprints");
        const feedback = [["good", "Good sample."], ["too_fast", "Too fast: move the finger more slowly."], ["good", "Good sample."], ["good", "Good sample."], ["good", "Good sample."]];
        let remaining = 4;
        for (const [status, advice] of feedback) {
          if (c.cancelled) throw err("cancelled", "Cancelled; nothing more was done.");
          if (status === "good") remaining -= 1;
          send(c.channel, { kind: "fingerprint_sample", status, advice, remaining_samples: remaining });
          await sleep(scenario.sampleDelay ?? 150);
        }
        key.fingerprints.push({ template_id: "0" + (key.fingerprints.length + 1), name: args.name });
        return fingerprints();
      }),
    fingerprint_rename: (args) =>
      ceremony(args, async (c) => {
        await withPin(c, "to manage fingerprints");
        const f = key.fingerprints.find((x) => x.template_id === args.template_id);
        if (!f) throw err("fingerprint_not_found", "No fingerprint with this ID is enrolled on the key");
        f.name = args.name;
        return fingerprints();
      }),
    fingerprint_delete: (args) =>
      ceremony(args, async (c) => {
        await withPin(c, "to manage fingerprints");
        key.fingerprints = key.fingerprints.filter((x) => x.template_id !== args.template_id);
        return fingerprints();
      }),
    settings_always_uv: (args) => ceremony(args, async (c) => (await withPin(c, "to change the key's settings"), (key.alwaysUv = args.on), settings())),
    settings_min_pin_length: (args) =>
      ceremony(args, async (c) => {
        await withPin(c, "to change the key's settings");
        if (args.min_length !== null) key.minPinLength = args.min_length;
        if (args.force_change_pin) key.forcePinChange = true;
        return settings();
      }),
    settings_force_pin_change: (args) => ceremony(args, async (c) => (await withPin(c, "to change the key's settings"), (key.forcePinChange = true), settings())),
    settings_enterprise_attestation: (args) => ceremony(args, async (c) => (await withPin(c, "to change the key's settings"), (key.enterpriseAttestation = true), settings())),
    reset_guide: () => ({
      transport: "usb",
      // The words src-tauri's reset_guide sends for a USB key.
      steps: [
        "Remove the key from the USB port and plug it back in.",
        "KeyDesk sends the reset as soon as the key is back: keys accept it only within 10 seconds of being plugged in or placed on the reader.",
        "When it blinks, touch the key.",
      ],
      long_touch: false,
      window_seconds: 10,
      warning: "Resetting deletes every passkey on this key, its PIN, its fingerprints and its settings. Accounts that use these passkeys can no longer be signed in to with this key.",
    }),
    reset_key: (args) =>
      ceremony(args, async (c) => {
        if (!args.confirmed) throw err("invalid_argument", "confirm first");
        const step = scenario.resetStepDelay ?? 100;
        send(c.channel, { kind: "progress", done: 0, total: 2, label: "Remove the key now (or lift it off the reader)." });
        await sleep(step);
        send(c.channel, { kind: "progress", done: 0, total: 2, label: "Now connect it again (or tap it on the reader)." });
        await sleep(step);
        send(c.channel, { kind: "progress", done: 2, total: 2, label: "Touch the key to confirm the reset." });
        send(c.channel, { kind: "touch_needed" });
        await sleep(scenario.touchDelay ?? step);
        if (c.cancelled) throw err("cancelled", "Cancelled; nothing more was done.");
        key.pinSet = false;
        key.sites = [];
        key.fingerprints = [];
        return info();
      }),
    ceremony_answer: (args) => {
      const c = ceremonies.get(args.ceremony);
      if (!c || !c.waiting) throw err("ceremony_unknown", `no ceremony ${args.ceremony} is waiting`);
      const w = c.waiting;
      c.waiting = null;
      if (args.answer.kind === "cancel") {
        c.cancelled = true;
        w.reject(err("cancelled", "Cancelled; nothing more was done."));
      } else w.resolve(args.answer);
      return null;
    },
    ceremony_cancel: (args) => {
      const c = ceremonies.get(args.ceremony);
      if (!c) throw err("ceremony_unknown", `no ceremony ${args.ceremony} is waiting`);
      c.cancelled = true;
      if (c.waiting) {
        const w = c.waiting;
        c.waiting = null;
        w.reject(err("cancelled", "Cancelled; nothing more was done."));
      }
      return null;
    },
  };

  window.__TAURI_INTERNALS__ = {
    metadata: { currentWindow: { label: "main" }, currentWebview: { windowLabel: "main", label: "main" } },
    transformCallback(callback, once) {
      const id = nextCallback++;
      callbacks.set(id, (data) => {
        if (once) callbacks.delete(id);
        return callback && callback(data);
      });
      return id;
    },
    unregisterCallback(id) {
      callbacks.delete(id);
    },
    convertFileSrc: (path) => path,
    async invoke(cmd, args = {}) {
      const shown = {};
      for (const [k, v] of Object.entries(args)) shown[k] = v && typeof v === "object" && "id" in v && "onmessage" in v ? "<channel>" : v;
      calls.push({ cmd, args: shown });
      const command = commands[cmd];
      if (!command) throw `command ${cmd} not found`;
      return command(args);
    },
  };

  window.__KEYDESK_MOCK__ = {
    calls,
    key,
    scenario,
    /** Other screens' mocks (mock-<area>.js) add their commands here. */
    commands,
    /** Sends `message` on a Channel passed as an argument (for other screens' mocks). */
    send,
    err,
    plug(device) {
      scenario.devices.push(device);
      notify();
    },
    unplug(id) {
      scenario.devices = scenario.devices.filter((d) => d.id !== id);
      notify();
    },
  };
})();
