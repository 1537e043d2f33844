// The Codes commands of the fake backend (see mock-ipc.js): a vault with a password, accounts
// with fixed codes, a clipboard, import previews. Shapes and argument names match
// src-tauri/src/commands/codes.rs. Scenario: window.__KEYDESK_SCENARIO__.codes.
(() => {
  const mock = window.__KEYDESK_MOCK__;
  const { err, send } = mock;
  // Import ceremonies in progress: ceremony_cancel (mock-ipc.js) is wrapped to reach them.
  const importCeremonies = new Map();
  const cancelOthers = mock.commands.ceremony_cancel;
  mock.commands.ceremony_cancel = (args) => {
    const c = importCeremonies.get(args.ceremony);
    if (!c) return cancelOthers(args);
    c.cancelled = true;
    return null;
  };
  const setup = Object.assign(
    { exists: true, unlocked: false, password: "vault password", keyring: false, securityKey: false, clearAfter: 30 },
    mock.scenario.codes || {},
  );
  const row = (id, issuer, name, code, over = {}) =>
    Object.assign(
      { id, issuer, name, kind: "totp", algorithm: "SHA1", digits: 6, period: 30, counter: null, tags: [], pinned: false, order: 0, note: "", code, seconds_remaining: 30, error: null },
      over,
    );
  const vault = {
    exists: setup.exists,
    unlocked: setup.unlocked,
    slots: [{ id: "p1", label: "password", kind: "password" }]
      .concat(setup.keyring ? [{ id: "k1", label: "OS keyring", kind: "keyring" }] : [])
      .concat(setup.securityKey ? [{ id: "s1", label: "Blue key", kind: "fido2-hmac-secret" }] : []),
    accounts: setup.accounts || [
      row("a1", "GitHub", "dana", "123456", { tags: ["work"], order: 0 }),
      row("a2", "Bank", "dana", "654321", { order: 1, note: "savings" }),
      row("a3", "Home", "bob", null, { kind: "hotp", period: null, counter: 0, seconds_remaining: null, order: 2, tags: ["home"] }),
    ],
    trash: [],
    clipboard: null,
    copied: null,
    previews: new Map(),
  };
  mock.codes = vault;
  /** The scenario as this mock reads it (tests may change it mid-test). */
  mock.codesSetup = setup;
  const status = () => ({ path: "/home/dana/.local/share/keydesk/codes.vault", exists: vault.exists, unlocked: vault.unlocked, slots: vault.slots.slice() });
  const need = () => {
    if (!vault.unlocked) throw err("vault_locked", "The codes vault is locked: unlock it first.");
  };
  const find = (id) => {
    const a = vault.accounts.find((x) => x.id === id);
    if (!a) throw err("no_such_account", `No account "${id}".`);
    return a;
  };
  const now = () => Math.floor(Date.now() / 1000);
  const timed = (a) => (a.period ? Object.assign({}, a, { seconds_remaining: a.period - (now() % a.period) }) : Object.assign({}, a));
  const sorted = () => vault.accounts.slice().sort((x, y) => (x.pinned !== y.pinned ? (x.pinned ? -1 : 1) : x.order - y.order));
  const hotpCodes = ["755224", "287082", "359152", "969429"];
  const show = (a) => {
    if (a.kind === "hotp") {
      const shown = Object.assign({}, a, { code: hotpCodes[a.counter] });
      a.counter += 1;
      return shown;
    }
    return timed(a);
  };
  let nextId = 10;
  const addFromUri = (uri) => {
    const m = /^otpauth:\/\/(totp|hotp)\/([^?]*)\?(.*)$/.exec(uri.trim());
    if (!m) return { label: uri.slice(0, 12), reason: "not an otpauth URI" };
    const label = decodeURIComponent(m[2]);
    const [issuer, name] = label.includes(":") ? label.split(":") : ["", label];
    if (!/secret=/.test(m[3])) return { label, reason: "no secret" };
    const a = row(`a${nextId++}`, issuer, name, "111111", { order: vault.accounts.length });
    vault.accounts.push(a);
    return a;
  };
  const report = (results) => ({
    added: results.filter((r) => r.id),
    not_added: results.filter((r) => !r.id).map((r) => ({ label: r.label, duplicate_of: null, reason: r.reason })),
  });

  Object.assign(mock.commands, {
    codes_status: () => status(),
    codes_create: (args) => {
      if (vault.exists) throw err("vault_exists", "A vault already exists.");
      vault.exists = true;
      vault.unlocked = true;
      setup.password = args.password;
      vault.accounts = [];
      return status();
    },
    codes_unlock_password: (args) => {
      if (args.password !== setup.password) throw err("wrong_password", "Wrong password. Type the vault password again.");
      vault.unlocked = true;
      return status();
    },
    codes_unlock_keyring: () => {
      vault.unlocked = true;
      return status();
    },
    codes_unlock_security_key: () => {
      vault.unlocked = true;
      return status();
    },
    codes_lock: () => {
      vault.unlocked = false;
      return status();
    },
    codes_slot_keyring: (args) => {
      need();
      vault.slots = vault.slots.filter((s) => s.kind !== "keyring").concat(args.enable ? [{ id: "k1", label: "OS keyring", kind: "keyring" }] : []);
      return status();
    },
    codes_slot_security_key_add: (args) => {
      need();
      vault.slots.push({ id: "s2", label: args.label, kind: "fido2-hmac-secret" });
      return status();
    },
    codes_slot_security_key_remove: (args) => {
      need();
      vault.slots = vault.slots.filter((s) => s.id !== args.slot);
      return status();
    },
    codes_list: () => {
      need();
      const accounts = sorted().map(timed);
      const tags = [...new Set(accounts.flatMap((a) => a.tags))].sort();
      return { unix_time: now(), accounts, tags };
    },
    codes_show: (args) => {
      need();
      return show(find(args.id));
    },
    codes_copy: (args) => {
      need();
      const shown = show(find(args.id));
      vault.clipboard = shown.code;
      vault.copied = shown.code;
      return { account: shown, clear_after_seconds: setup.clearAfter };
    },
    codes_clipboard_clear: () => {
      const cleared = vault.copied !== null && vault.clipboard === vault.copied;
      if (cleared) vault.clipboard = null;
      vault.copied = null;
      return { cleared };
    },
    codes_add_uri: (args) => {
      need();
      return report(args.uri.split("\n").filter((l) => l.trim()).map(addFromUri));
    },
    codes_add_qr_image: () => {
      need();
      return report([addFromUri("otpauth://totp/Scanned:qr?secret=JBSWY3DPEHPK3PXP")]);
    },
    codes_add_screen: () => {
      need();
      if (!setup.screenQr) throw err("no_qr_on_screen", "No readable QR code found on screen: show it fully and try again.");
      const id = `import-${vault.previews.size + 1}`;
      const preview = {
        preview_id: id,
        format: "otpauth URI list",
        not_otp_items: 0,
        entries: [{ label: "Screen:erin", action: "new", duplicate_of: null, reason: null, account: row("n9", "Screen", "erin", null) }],
      };
      vault.previews.set(id, preview);
      return preview;
    },
    codes_edit: (args) => {
      need();
      const a = find(args.id);
      for (const [k, v] of Object.entries(args.edit)) if (v !== null && v !== undefined) a[k] = v;
      return timed(a);
    },
    codes_set_tags: (args) => {
      need();
      const a = find(args.id);
      a.tags = args.tags.slice();
      return timed(a);
    },
    codes_pin: (args) => {
      need();
      const a = find(args.id);
      a.pinned = args.pinned;
      return timed(a);
    },
    codes_reorder: (args) => {
      need();
      args.ids.forEach((id, i) => (find(id).order = i));
      return null;
    },
    codes_delete: (args) => {
      need();
      const a = find(args.id);
      vault.accounts = vault.accounts.filter((x) => x !== a);
      vault.trash.push(a);
      return timed(a);
    },
    codes_undo: (args) => {
      need();
      const a = args.id ? vault.trash.find((x) => x.id === args.id) : vault.trash[vault.trash.length - 1];
      if (!a) throw err("nothing_to_undo", "Nothing to undo: no account was deleted.");
      vault.trash = vault.trash.filter((x) => x !== a);
      vault.accounts.push(a);
      return timed(a);
    },
    codes_import_preview: (args) => {
      need();
      if (args.password === null) throw err("import_password_required", "This Aegis export is encrypted: a password is needed.");
      if (args.password !== "backup pw") throw err("import_wrong_password", "Wrong password for this Aegis export (or the file is corrupted).");
      const id = `import-${vault.previews.size + 1}`;
      const preview = {
        preview_id: id,
        format: "Aegis",
        not_otp_items: 1,
        entries: [
          { label: "GitHub:dana", action: "duplicate", duplicate_of: "a1", reason: null, account: null },
          { label: "Mail:carol", action: "new", duplicate_of: null, reason: null, account: row("n1", "Mail", "carol", null) },
          { label: "Shop:dana", action: "new", duplicate_of: null, reason: null, account: row("n2", "Shop", "dana", null) },
          { label: "entry 4", action: "skipped", duplicate_of: null, reason: "99 digits (1 to 10 are possible)", account: null },
        ],
      };
      vault.previews.set(id, preview);
      return preview;
    },
    // A ceremony like the backend's: progress entry by entry, then one save; cancelled before
    // the save, nothing is imported and the preview stays.
    codes_import_apply: async (args) => {
      need();
      const preview = vault.previews.get(args.preview_id);
      if (!preview) throw err("preview_unknown", "This import preview has expired: choose the file again.");
      const c = { cancelled: false };
      importCeremonies.set(args.ceremony, c);
      try {
        const chosen = args.include.filter((i) => preview.entries[i] && preview.entries[i].action === "new");
        const total = chosen.length + 1;
        for (const [done, i] of chosen.entries()) {
          send(args.events, { kind: "progress", done, total, label: preview.entries[i].label });
          await new Promise((resolve) => setTimeout(resolve, setup.importStepDelay || 0));
          if (c.cancelled) throw err("cancelled", "Cancelled; nothing more was done.");
        }
        send(args.events, { kind: "progress", done: total - 1, total, label: "Saving the vault" });
        vault.previews.delete(args.preview_id);
        const imported = chosen.map((i) => {
          const a = Object.assign({}, preview.entries[i].account, { code: "222222", order: vault.accounts.length });
          vault.accounts.push(a);
          return a.id;
        });
        return { imported, not_imported: preview.entries.length - imported.length };
      } finally {
        importCeremonies.delete(args.ceremony);
      }
    },
    codes_export: (args) => {
      need();
      if (args.format === "aegis" && !args.password) throw err("invalid_argument", "An Aegis export needs a password.");
      return { files: [args.path], not_exported: [] };
    },
    codes_qr: (args) => {
      need();
      const a = find(args.id);
      return { label: `${a.issuer}: ${a.name}`, data_url: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==" };
    },
    codes_check_clock: () => ({ offset_seconds: 0, severity: "in_sync", explanation: "This computer's clock is right: codes are correct." }),
  });
})();
