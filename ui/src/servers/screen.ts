// Servers screen: the relying-party servers the user logs on to. Profiles (name, URL, user
// name); logon with the password and a second factor (code or passkey) or a passkey alone; the
// account's passkeys (enroll under a name on a chosen key, rename, delete after confirming it
// is you); the server's virtual MFA bound into Codes in one step; an email address bound with
// the code mailed to it (then a way to confirm it is you).
import "./servers.css";
import { api } from "../api";
import type { DeviceView, LogonView, ServerPasskeyView, ServerProfileView } from "../bindings/keydesk";
import { withDialog } from "../components/ceremonyDialog";
import { announce, confirmDialog, errorBox } from "../components/feedback";
import { h, replace } from "../dom";
import { toAppError } from "../ipc";
import type { Screen } from "../screen";
import { codeSentText, emailCode, emailStatus, validateEmail } from "./email";
import { capacityText, describePasskey, relativeTime, shortId, sortPasskeys, validatePasskeyName } from "./passkeys";
import { isValid, validateProfile } from "./profileForm";

function field(label: string, input: HTMLInputElement, error?: string): HTMLElement {
  const id = input.id || `s-${Math.random().toString(36).slice(2)}`;
  input.id = id;
  const note = error ? h("span", { class: "field-error", id: `${id}-error` }, error) : null;
  if (error) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", `${id}-error`);
  }
  return h("div", { class: "field" }, h("label", { for: id }, label), input, note);
}

const METHOD_WORDS: Record<string, string> = {
  totp: "a code from your authenticator",
  passkey: "a passkey",
  email: "a code sent by email",
  password: "your password",
};

const screen: Screen = {
  title: "Servers",
  mount(root) {
    const message = h("div", {});
    const profilesEl = h("ul", { class: "server-profiles", "aria-label": "Server profiles" });
    const addArea = h("div", {});
    const detail = h("section", { class: "server-detail", "aria-label": "Selected server" });
    replace(
      root,
      h("h1", {}, "Servers"),
      h("p", { class: "lead" }, "The sites you log on to with KeyDesk: your passkeys there, and their one-time codes in Codes."),
      message,
      profilesEl,
      addArea,
      detail,
    );
    let profiles: ServerProfileView[] = [];
    let selected: string | null = null;

    const fail = (error: unknown) => replace(message, errorBox(error));
    const clear = () => replace(message);

    async function load() {
      try {
        profiles = (await api.servers_list()).profiles;
        renderProfiles();
        renderAdd();
        if (selected && !profiles.some((p) => p.name === selected)) selected = null;
        if (selected) await renderDetail();
      } catch (error) {
        fail(error);
      }
    }

    function renderProfiles() {
      replace(
        profilesEl,
        ...(profiles.length === 0
          ? [h("li", { class: "empty" }, "No server yet: add one below.")]
          : profiles.map((p) =>
              h(
                "li",
                { class: `server-card${p.name === selected ? " selected" : ""}`, "data-profile": p.name },
                h("h2", {}, p.name),
                h("p", { class: "muted" }, `${p.username} at ${p.url}`),
                h("p", { class: "status" }, p.logged_on ? "Logged on" : "Not logged on"),
                h(
                  "div",
                  { class: "actions" },
                  h("button", { type: "button", "aria-label": `Open ${p.name}`, onclick: () => void open(p.name) }, "Open"),
                  h("button", { type: "button", class: "danger", "aria-label": `Remove ${p.name}`, onclick: () => void remove(p.name) }, "Remove"),
                ),
              ),
            )),
      );
    }

    function renderAdd(values = { name: "", url: "https://", username: "" }, errors: Record<string, string | undefined> = {}) {
      const name = h("input", { type: "text", value: values.name, maxlength: 64 });
      const url = h("input", { type: "text", value: values.url, inputmode: "url" });
      const username = h("input", { type: "text", value: values.username, autocomplete: "username" });
      const form = h(
        "form",
        { class: "stack", "aria-label": "Add a server" },
        h("h2", {}, "Add a server"),
        field("Name", name, errors.name),
        field("Address", url, errors.url),
        field("User name", username, errors.username),
        h("button", { type: "submit" }, "Add server"),
      );
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const input = { name: name.value, url: url.value, username: username.value };
        const problems = validateProfile(input, profiles.map((p) => p.name));
        if (!isValid(problems)) {
          renderAdd(input, problems);
          addArea.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
          return;
        }
        api
          .servers_add({ name: input.name.trim(), url: input.url.trim(), username: input.username.trim() })
          .then((view) => {
            profiles = view.profiles;
            announce(`Added ${input.name.trim()}.`);
            clear();
            renderProfiles();
            renderAdd();
          })
          .catch(fail);
      });
      replace(addArea, form);
    }

    async function remove(name: string) {
      if (!(await confirmDialog(`Remove ${name}?`, "KeyDesk forgets this server and its session. Your account and passkeys there stay.", "Remove"))) return;
      try {
        profiles = (await api.servers_remove({ profile: name })).profiles;
        if (selected === name) {
          selected = null;
          replace(detail);
        }
        announce(`Removed ${name}.`);
        renderProfiles();
      } catch (error) {
        fail(error);
      }
    }

    async function open(name: string) {
      selected = name;
      renderProfiles();
      await renderDetail();
      detail.querySelector<HTMLElement>("input, button")?.focus();
    }

    async function chooseDevice(): Promise<DeviceView | null> {
      const devices = (await api.list_devices()).devices;
      if (devices.length === 0) throw { kind: "no_device", message: "No security key is connected: plug it in or put it on the reader." };
      if (devices.length === 1) return devices[0] ?? null;
      return new Promise((resolve) => {
        const dialog = h("dialog", { "aria-labelledby": "choose-key" }, h("h2", { id: "choose-key" }, "Which authenticator?"));
        const done = (d: DeviceView | null) => {
          dialog.close();
          dialog.remove();
          resolve(d);
        };
        dialog.append(
          h("ul", { class: "choices" }, ...devices.map((d) => h("li", {}, h("button", { type: "button", onclick: () => done(d) }, d.name)))),
          h("div", { class: "actions" }, h("button", { type: "button", onclick: () => done(null) }, "Cancel")),
        );
        dialog.addEventListener("cancel", (e) => {
          e.preventDefault();
          done(null);
        });
        document.body.append(dialog);
        dialog.showModal();
      });
    }

    async function renderDetail() {
      const name = selected;
      if (!name) return;
      const profile = profiles.find((p) => p.name === name);
      if (!profile) return;
      if (!profile.logged_on) return renderLogon(name);
      try {
        const account = await api.servers_account({ profile: name });
        const passkeys = await api.servers_passkeys({ profile: name });
        renderAccount(name, account.user, account.totp_bound, account.email, passkeys.passkeys, passkeys.max);
      } catch (error) {
        if (toAppError(error).kind === "not_logged_on") {
          await load();
          return renderLogon(name);
        }
        replace(detail, h("h2", {}, name), errorBox(error));
      }
    }

    function renderLogon(name: string, stage: LogonView | null = null, error: unknown = null) {
      const heading = h("h2", {}, `Log on to ${name}`);
      if (stage?.stage === "second_factor_needed") {
        const code = h("input", { type: "text", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 10 });
        const form = h("form", { class: "stack", "aria-label": "Second factor" }, field("Code from your authenticator", code), h("button", { type: "submit", class: "primary" }, "Confirm"));
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          api.servers_logon_totp({ profile: name, code: code.value }).then(loggedOn).catch((e) => renderLogon(name, stage, e));
        });
        replace(
          detail,
          heading,
          h("p", {}, `The password was right. Confirm with ${stage.methods.map((m) => METHOD_WORDS[m] ?? m).join(" or ")}.`),
          stage.methods.includes("totp") ? form : null,
          stage.methods.includes("passkey")
            ? h("button", { type: "button", onclick: () => void withKey((device) => withDialog({ title: "Confirming with your passkey" }, (ui) => api.servers_logon_second_passkey({ profile: name, device }, ui))).then((v) => v && loggedOn(v)).catch((e) => renderLogon(name, stage, e)) }, "Use a passkey")
            : null,
          error ? errorBox(error) : null,
        );
        code.focus();
        return;
      }
      const password = h("input", { type: "password", autocomplete: "current-password" });
      const form = h("form", { class: "stack", "aria-label": `Log on to ${name}` }, field("Password", password), h("button", { type: "submit", class: "primary" }, "Log on"));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        api
          .servers_logon_password({ profile: name, password: password.value })
          .then((view) => (view.stage === "active" ? loggedOn(view) : renderLogon(name, view)))
          .catch((e) => renderLogon(name, null, e));
      });
      replace(
        detail,
        heading,
        form,
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", onclick: () => void withKey((device) => withDialog({ title: "Logging on with your passkey" }, (ui) => api.servers_logon_passkey({ profile: name, device }, ui))).then((v) => v && (v.stage === "active" ? loggedOn(v) : renderLogon(name, v))).catch((e) => renderLogon(name, null, e)) }, "Log on with a passkey only"),
        ),
        error ? errorBox(error) : null,
      );
    }

    async function withKey<T>(work: (device: string) => Promise<T>): Promise<T | null> {
      const device = await chooseDevice();
      return device ? work(device.id) : null;
    }

    async function loggedOn(view: LogonView) {
      announce(`Logged on as ${view.user}.`);
      clear();
      await load();
    }

    function renderAccount(name: string, user: string, totpBound: boolean, email: string | null, passkeys: ServerPasskeyView[], max: number) {
      const now = Math.floor(Date.now() / 1000);
      const stepUp = h("div", { class: "step-up" });
      const notes = h("div", {});
      const retry = (action: () => Promise<unknown>) => (error: unknown) => {
        if (toAppError(error).kind === "step_up_required") return showStepUp(name, stepUp, error, action);
        replace(notes, errorBox(error));
      };
      const list = h(
        "ul",
        { class: "server-passkeys", "aria-label": "Passkeys on this account" },
        ...sortPasskeys(passkeys).map((p) => {
          const rename = h("input", { type: "text", value: p.name, maxlength: 64, "aria-label": `New name for ${p.name}` });
          const renameForm = h("form", { class: "inline", hidden: true }, rename, h("button", { type: "submit" }, "Save"));
          renameForm.addEventListener("submit", (event) => {
            event.preventDefault();
            const problem = validatePasskeyName(rename.value, passkeys, p.id);
            if (problem) return replace(notes, errorBox({ kind: "invalid_passkey_name", message: problem }));
            api.servers_passkey_rename({ profile: name, id: p.id, name: rename.value.trim() }).then(() => { announce(`Renamed to ${rename.value.trim()}.`); return renderDetail(); }).catch(retry(() => Promise.resolve()));
          });
          const del = () =>
            api.servers_passkey_delete({ profile: name, id: p.id }).then(() => {
              announce(`Deleted the passkey ${p.name}.`);
              return renderDetail();
            });
          return h(
            "li",
            { class: "server-passkey", "data-passkey": p.id, "aria-label": describePasskey(p, now) },
            h("span", { class: "name" }, p.name),
            h("code", { title: p.id }, shortId(p.id)),
            h("span", { class: "muted" }, `created ${relativeTime(p.created_at, now)}, last used ${relativeTime(p.last_used_at, now)}`),
            p.counter_regressions > 0 ? h("span", { class: "warning" }, "Its counter went backwards: was this key copied?") : null,
            h(
              "div",
              { class: "actions" },
              h("button", { type: "button", "aria-label": `Rename ${p.name}`, onclick: () => { renameForm.hidden = !renameForm.hidden; if (!renameForm.hidden) rename.focus(); } }, "Rename"),
              h("button", { type: "button", class: "danger", "aria-label": `Delete ${p.name}`, onclick: () => void confirmDialog(`Delete the passkey ${p.name}?`, "You can no longer log on to this server with it.", "Delete").then((yes) => (yes ? del().catch(retry(del)) : undefined)) }, "Delete"),
            ),
            renameForm,
          );
        }),
      );
      const newName = h("input", { type: "text", maxlength: 64 });
      const enroll = h("form", { class: "inline", "aria-label": "Add a passkey" }, field("Name for a new passkey", newName), h("button", { type: "submit", disabled: passkeys.length >= max }, "Add passkey"));
      enroll.addEventListener("submit", (event) => {
        event.preventDefault();
        const problem = validatePasskeyName(newName.value, passkeys);
        if (problem) return replace(notes, errorBox({ kind: "invalid_passkey_name", message: problem }));
        withKey((device) => withDialog({ title: `Adding the passkey ${newName.value.trim()}` }, (ui) => api.servers_passkey_enroll({ profile: name, device, name: newName.value.trim() }, ui)))
          .then((view) => {
            if (!view) return;
            announce(`Passkey ${newName.value.trim()} added.`);
            return renderDetail();
          })
          .catch(retry(() => Promise.resolve()));
      });
      const bind = () =>
        api.servers_bind_mfa({ profile: name }).then((row) => {
          const text = `${name}'s one-time codes are now in Codes (${row.issuer || row.name}).`;
          announce(text);
          replace(notes, h("p", { class: "ok", role: "status" }, text));
          return renderDetail();
        });
      replace(
        detail,
        h("h2", {}, `${name}: ${user}`),
        h(
          "dl",
          { class: "facts" },
          h("dt", {}, "One-time codes"),
          h("dd", {}, totpBound ? "Bound" : "Not bound"),
          h("dt", {}, "Email"),
          h("dd", { class: "email-status" }, emailStatus(email)),
        ),
        h(
          "div",
          { class: "actions" },
          totpBound ? null : h("button", { type: "button", class: "primary", onclick: () => void bind().catch(retry(bind)) }, "Add this server's codes to Codes"),
          h("button", { type: "button", onclick: () => void api.servers_logout({ profile: name }).then(() => { announce(`Logged out of ${name}.`); return load(); }).catch(fail) }, "Log out"),
        ),
        h("h3", {}, "Passkeys"),
        h("p", { class: "muted" }, capacityText(passkeys.length, max)),
        list,
        enroll,
        h("h3", {}, "Email"),
        emailArea(name, email, retry, notes),
        stepUp,
        notes,
      );
    }

    /** Bind an address: type it, the server mails a code, type the code. */
    function emailArea(name: string, email: string | null, retry: (action: () => Promise<unknown>) => (error: unknown) => void, notes: HTMLElement): HTMLElement {
      const area = h("div", { class: "email-binding" });
      const address = h("input", { type: "text", inputmode: "email", autocomplete: "email", spellcheck: "false", maxlength: 254 });
      const form = h("form", { class: "inline", "aria-label": "Bind an email address" }, field(email ? "Another email address" : "Email address", address), h("button", { type: "submit" }, "Send a code"));
      const send = () =>
        api.servers_email_bind({ profile: name, address: address.value.trim() }).then((sent) => {
          const text = codeSentText(sent.sent_to);
          announce(text);
          replace(notes);
          showCodeForm(sent.sent_to, text);
        });
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const problem = validateEmail(address.value);
        if (problem) return replace(notes, errorBox({ kind: "invalid_email", message: problem }));
        send().catch(retry(send));
      });
      const showCodeForm = (sentTo: string, text: string) => {
        const code = h("input", { type: "text", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 9 });
        const confirm = h("form", { class: "inline", "aria-label": `Confirm ${sentTo}` }, field("Code from the email", code), h("button", { type: "submit", class: "primary" }, "Bind address"));
        confirm.addEventListener("submit", (event) => {
          event.preventDefault();
          const typed = emailCode(code.value);
          if ("error" in typed) return replace(notes, errorBox({ kind: "wrong_email_code", message: typed.error }));
          api
            .servers_email_confirm({ profile: name, code: typed.code })
            .then((account) => {
              announce(`${account.email ?? sentTo} is bound to ${name}.`);
              replace(notes);
              return renderDetail();
            })
            .catch((e) => replace(notes, errorBox(e)));
        });
        replace(area, h("p", { role: "status" }, text), confirm, form);
        code.focus();
      };
      replace(area, form);
      return area;
    }

    /** Asks the user to confirm it is them, then repeats `action`. */
    async function showStepUp(name: string, area: HTMLElement, error: unknown, action: () => Promise<unknown>) {
      let methods: string[] = [];
      try {
        methods = (await api.servers_step_up_status({ profile: name })).methods;
      } catch (e) {
        return replace(area, errorBox(e));
      }
      const again = () => action().then(() => replace(area)).catch((e) => replace(area, errorBox(e)));
      const codeForm = (method: string, label: string) => {
        const input = h("input", { type: method === "password" ? "password" : "text", autocomplete: method === "password" ? "current-password" : "one-time-code" });
        const form = h("form", { class: "inline", "aria-label": `Confirm with ${METHOD_WORDS[method] ?? method}` }, field(label, input), h("button", { type: "submit" }, "Confirm"));
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          api.servers_step_up_code({ profile: name, method, code: input.value }).then(again).catch((e) => area.append(errorBox(e)));
        });
        return form;
      };
      replace(
        area,
        errorBox(error),
        methods.includes("totp") ? codeForm("totp", "Code from your authenticator") : null,
        methods.includes("password") ? codeForm("password", "Your password") : null,
        methods.includes("email")
          ? h("button", { type: "button", onclick: () => void api.servers_step_up_email_start({ profile: name }).then((sent) => { announce(`A code was sent to ${sent.sent_to}.`); area.append(codeForm("email", `Code sent to ${sent.sent_to}`)); }).catch((e) => area.append(errorBox(e))) }, "Email me a code")
          : null,
        methods.includes("passkey")
          ? h("button", { type: "button", onclick: () => void withKey((device) => withDialog({ title: "Confirming with your passkey" }, (ui) => api.servers_step_up_passkey({ profile: name, device }, ui))).then((v) => (v ? again() : undefined)).catch((e) => area.append(errorBox(e))) }, "Confirm with a passkey")
          : null,
      );
      area.querySelector<HTMLElement>("input, button")?.focus();
    }

    void load();
  },
};

export default screen;
