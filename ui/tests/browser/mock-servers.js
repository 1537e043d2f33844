// The Servers commands of the fake backend (see mock-ipc.js): profiles, a logon with a TOTP
// second factor, passkeys with step-up before deleting, MFA binding, an email address bound
// with a mailed code (654321; family@example.com is bound to five users already). Shapes and argument names
// match src-tauri/src/commands/servers.rs. Scenario: window.__KEYDESK_SCENARIO__.servers.
(() => {
  const mock = window.__KEYDESK_MOCK__;
  const { err } = mock;
  const setup = Object.assign({ password: "server pw", code: "123456", secondFactor: true }, mock.scenario.servers || {});
  const now = Math.floor(Date.now() / 1000);
  const state = {
    profiles: setup.profiles || [{ name: "work", url: "https://login.example.com", username: "dana", logged_on: false }],
    pending: false,
    fresh: false,
    totpBound: setup.secondFactor,
    email: setup.email === undefined ? "dana@example.com" : setup.email,
    emailPending: null,
    passkeys: [
      { id: "cGFzc2tleS1vZmZpY2UtMDAwMDAx", name: "office key", created_at: now - 90 * 86400, last_used_at: now - 7200, counter_regressions: 0 },
      { id: "cGFzc2tleS1zcGFyZS0wMDAwMDI", name: "spare", created_at: now - 86400, last_used_at: null, counter_regressions: 0 },
    ],
  };
  mock.servers = state;
  const profile = (name) => {
    const p = state.profiles.find((x) => x.name === name);
    if (!p) throw err("profile_not_found", `No server profile named "${name}".`);
    return p;
  };
  const logged = (name) => {
    const p = profile(name);
    if (!p.logged_on) throw err("not_logged_on", "Not logged on: log on first.");
    return p;
  };
  const list = () => ({ profiles: state.profiles.map((p) => Object.assign({}, p)) });
  const passkeys = () => ({ passkeys: state.passkeys.slice(), max: 5 });
  const methods = () => (state.email ? ["totp", "email", "password"] : ["totp", "password"]);
  const stepUp = () => {
    if (!state.fresh) throw err("step_up_required", "Confirm it is you first, with a code from your authenticator app, or your password; then try again.");
  };
  Object.assign(mock.commands, {
    servers_list: () => list(),
    servers_add: (args) => {
      if (state.profiles.some((p) => p.name === args.name)) throw err("profile_exists", `A server profile named "${args.name}" exists already.`);
      state.profiles.push({ name: args.name, url: args.url.replace(/\/$/, ""), username: args.username, logged_on: false });
      return list();
    },
    servers_remove: (args) => {
      profile(args.profile);
      state.profiles = state.profiles.filter((p) => p.name !== args.profile);
      return list();
    },
    servers_logon_password: (args) => {
      const p = profile(args.profile);
      if (args.password !== setup.password) throw err("wrong_password", "Wrong user name or password.");
      if (setup.secondFactor) {
        state.pending = true;
        return { user: `${p.username}@example.com`, stage: "second_factor_needed", methods: ["totp", "passkey"] };
      }
      p.logged_on = true;
      return { user: `${p.username}@example.com`, stage: "active", methods: [] };
    },
    servers_logon_totp: (args) => {
      const p = profile(args.profile);
      if (!state.pending) throw err("no_second_factor_pending", "No logon is waiting for a second factor.");
      if (args.code !== setup.code) throw err("wrong_code", "Wrong code: type the current one.");
      state.pending = false;
      p.logged_on = true;
      return { user: `${p.username}@example.com`, stage: "active", methods: [] };
    },
    servers_logon_second_passkey: (args) => {
      const p = profile(args.profile);
      p.logged_on = true;
      return { user: `${p.username}@example.com`, stage: "active", methods: [] };
    },
    servers_logon_passkey: (args) => {
      const p = profile(args.profile);
      p.logged_on = true;
      return { user: `${p.username}@example.com`, stage: "active", methods: [] };
    },
    servers_logout: (args) => {
      profile(args.profile).logged_on = false;
      return list();
    },
    servers_account: (args) => {
      const p = logged(args.profile);
      return { user: `${p.username}@example.com`, totp_bound: state.totpBound, passkeys: state.passkeys.length, email: state.email, created_at: now - 400 * 86400 };
    },
    servers_passkeys: (args) => {
      logged(args.profile);
      return passkeys();
    },
    servers_passkey_enroll: (args) => {
      logged(args.profile);
      state.passkeys.push({ id: "bmV3LXBhc3NrZXktMDAwMDAwMDM", name: args.name, created_at: now, last_used_at: null, counter_regressions: 0 });
      return passkeys();
    },
    servers_passkey_rename: (args) => {
      logged(args.profile);
      state.passkeys.find((p) => p.id === args.id).name = args.name;
      return passkeys();
    },
    servers_passkey_delete: (args) => {
      logged(args.profile);
      stepUp();
      state.passkeys = state.passkeys.filter((p) => p.id !== args.id);
      return passkeys();
    },
    servers_step_up_status: (args) => {
      logged(args.profile);
      return { methods: methods(), fresh: state.fresh };
    },
    servers_step_up_code: (args) => {
      logged(args.profile);
      const ok = (args.method === "totp" && args.code === setup.code) || (args.method === "password" && args.code === setup.password) || (args.method === "email" && args.code === "654321");
      if (!ok) throw err(args.method === "password" ? "wrong_password" : "wrong_code", "That was not right: try again.");
      state.fresh = true;
      return { methods: methods(), fresh: true };
    },
    servers_step_up_email_start: (args) => {
      logged(args.profile);
      if (!state.email) throw err("email_not_bound", "No email address is bound to this account: bind one first (its code arrives by email), or verify another way.");
      return { sent_to: state.email };
    },
    servers_step_up_passkey: () => {
      state.fresh = true;
      return { methods: methods(), fresh: true };
    },
    servers_email_bind: (args) => {
      logged(args.profile);
      if (!/^[^@\s]+@[^@\s]+$/.test(args.address)) throw err("invalid_email", "Invalid email address: not a valid email address.");
      stepUp();
      if (args.address.toLowerCase() === "family@example.com") {
        throw err("email_limit_reached", "This email address is already bound to 5 users, the most allowed: bind another address.");
      }
      state.emailPending = args.address.toLowerCase();
      return { sent_to: args.address };
    },
    servers_email_confirm: (args) => {
      logged(args.profile);
      if (!state.emailPending) throw err("email_code_expired", "The email code expired or none was sent: ask for a new one.");
      if (args.code !== "654321") throw err("wrong_email_code", "The email code is wrong: type the code from the newest message (each new request replaces the earlier code).");
      state.email = state.emailPending;
      state.emailPending = null;
      return { user: "dana@example.com", totp_bound: state.totpBound, passkeys: state.passkeys.length, email: state.email, created_at: now - 400 * 86400 };
    },
    servers_bind_mfa: (args) => {
      const p = logged(args.profile);
      stepUp();
      state.totpBound = true;
      return { id: "mfa1", issuer: "Example", name: `${p.username}@example.com`, kind: "totp", algorithm: "SHA1", digits: 6, period: 30, counter: null, tags: [p.name], pinned: false, order: 9, note: "", code: null, seconds_remaining: null, error: null };
    },
  });
})();
