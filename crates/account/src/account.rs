//! One user's account on one server: logon, passkeys, step-up, virtual MFA.
//!
//! Every method is one or a few blocking HTTP requests (call it from a worker thread in a GUI).
//! WebAuthn ceremonies run on the caller's authenticator through keydesk-webauthn-client with
//! the profile's URL as the origin, so the browser's origin and RP ID rules apply.

use std::time::Instant;

use keydesk_ctap_client::{Client, Interaction};
use keydesk_transport::Device;
use keydesk_webauthn_client::{
    authenticate, ceremony_deadline, parse_creation_options, parse_request_options, register,
};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::error::{AccountError, Result};
use crate::http::Http;
use crate::profile::Profile;
use crate::session::{SessionToken, TokenStore};
use crate::wire::{
    AccountInfo, CeremonyStart, EmailBound, EmailSent, LogonAnswer, MfaOffer, Passkey, PasskeyList, PublicSettings, Registered,
    StageAnswer, StepUpStatus, VerificationMethod,
};

/// Where a logon stands after the password or a passkey.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogonStage {
    /// Logged on; the session is kept in the token store.
    Active,
    /// The password was right; one of these second factors must follow
    /// ([`Account::second_factor_totp`], [`Account::second_factor_passkey`]).
    SecondFactorNeeded {
        /// The second factors bound to the account.
        methods: Vec<VerificationMethod>,
    },
}

/// The result of a logon step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogonOutcome {
    /// The account's logon name as the server knows it (`user@suffix`).
    pub user: String,
    /// Where the logon stands.
    pub stage: LogonStage,
}

/// A session with one server profile.
#[derive(Debug)]
pub struct Account {
    profile: Profile,
    http: Http,
    tokens: Box<dyn TokenStore>,
    /// The active session (kept in `tokens` too) or, during a logon, the pending one (only here).
    token: Option<SessionToken>,
    pending: bool,
}

impl Account {
    /// The account of `profile`, with the session kept in `tokens` from an earlier logon.
    pub fn open(profile: Profile, tokens: Box<dyn TokenStore>) -> Result<Self> {
        let http = Http::new(&profile.url)?;
        let token = tokens.load(&profile.name)?;
        Ok(Self { profile, http, tokens, token, pending: false })
    }

    /// The profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Whether a session token is held (the server may still have expired it).
    pub fn has_session(&self) -> bool {
        self.token.is_some() && !self.pending
    }

    // --- Requests ---------------------------------------------------------------------------

    fn call<T: DeserializeOwned>(&mut self, method: Method, path: &str, body: Option<Value>, subject: Option<&str>) -> Result<T> {
        let result = self.http.call(method, path, self.token.as_ref(), body.as_ref(), subject);
        if matches!(result, Err(AccountError::NotLoggedOn)) && self.token.is_some() {
            // The server no longer knows the session: forget it so the next run asks to log on.
            self.forget_session()?;
        }
        result
    }

    fn anonymous<T: DeserializeOwned>(&self, method: Method, path: &str, body: Option<Value>) -> Result<T> {
        self.http.call(method, path, None, body.as_ref(), None)
    }

    fn forget_session(&mut self) -> Result<()> {
        self.token = None;
        self.pending = false;
        self.tokens.delete(&self.profile.name)
    }

    fn adopt(&mut self, answer: LogonAnswer) -> Result<LogonOutcome> {
        let token = SessionToken::new(answer.session_token.as_str());
        let stage = match answer.stage.as_str() {
            "active" => {
                self.tokens.save(&self.profile.name, &token)?;
                self.pending = false;
                LogonStage::Active
            }
            "mfa_required" => {
                self.pending = true;
                LogonStage::SecondFactorNeeded { methods: answer.mfa_methods }
            }
            other => {
                return Err(AccountError::UnexpectedAnswer {
                    endpoint: "logon".to_owned(),
                    reason: format!("unknown stage \"{other}\""),
                })
            }
        };
        self.token = Some(token);
        Ok(LogonOutcome { user: answer.user, stage })
    }

    fn activate(&mut self, answer: &StageAnswer) -> Result<()> {
        if answer.stage != "active" {
            return Err(AccountError::UnexpectedAnswer {
                endpoint: "logon second factor".to_owned(),
                reason: format!("stage \"{}\" after the second factor", answer.stage),
            });
        }
        let token = self.token.clone().ok_or(AccountError::NoSecondFactorPending)?;
        self.tokens.save(&self.profile.name, &token)?;
        self.pending = false;
        Ok(())
    }

    /// Runs an assertion ceremony: `start` gives the options, the authenticator signs as a
    /// browser at the profile's origin would, `finish` gets the credential.
    fn assert_with<D: Device, T: DeserializeOwned>(
        &mut self,
        start: &str,
        start_body: Option<Value>,
        finish: &str,
        key: &mut Client<D>,
        ui: &mut dyn Interaction,
    ) -> Result<T> {
        let started: CeremonyStart = self.call(Method::POST, start, start_body, None)?;
        let options = parse_request_options(&started.options.to_string())?;
        let deadline = ceremony_deadline(options.timeout, Instant::now());
        let credential = authenticate(key, &options, &self.profile.url, ui, deadline)?;
        let body = json!({"ceremony_id": started.ceremony_id, "credential": credential});
        self.call(Method::POST, finish, Some(body), None)
    }

    // --- Logon ------------------------------------------------------------------------------

    /// `POST /api/logon/password` with the profile's user name. Replaces any earlier session.
    pub fn logon_password(&mut self, password: &str) -> Result<LogonOutcome> {
        let body = json!({"username": self.profile.username, "password": password});
        let answer: LogonAnswer = self.anonymous(Method::POST, "/api/logon/password", Some(body))?;
        self.adopt(answer)
    }

    /// Finishes a pending logon with a code from the bound virtual MFA device.
    pub fn second_factor_totp(&mut self, code: &str) -> Result<()> {
        if !self.pending {
            return Err(AccountError::NoSecondFactorPending);
        }
        let answer: StageAnswer = self.call(Method::POST, "/api/logon/mfa/totp", Some(json!({"code": code.trim()})), None)?;
        self.activate(&answer)
    }

    /// Finishes a pending logon with a passkey on `key`.
    pub fn second_factor_passkey<D: Device>(&mut self, key: &mut Client<D>, ui: &mut dyn Interaction) -> Result<()> {
        if !self.pending {
            return Err(AccountError::NoSecondFactorPending);
        }
        let answer: StageAnswer =
            self.assert_with("/api/logon/mfa/passkey/start", None, "/api/logon/mfa/passkey/finish", key, ui)?;
        self.activate(&answer)
    }

    /// Logs on with a passkey alone (when the administrator allows it), for the profile's user.
    /// Also counts as a fresh verification. Replaces any earlier session.
    pub fn logon_passkey<D: Device>(&mut self, key: &mut Client<D>, ui: &mut dyn Interaction) -> Result<LogonOutcome> {
        self.token = None;
        self.pending = false;
        let start = json!({"username": self.profile.username});
        let answer: LogonAnswer =
            self.assert_with("/api/logon/passkey/start", Some(start), "/api/logon/passkey/finish", key, ui)?;
        self.adopt(answer)
    }

    /// Whether the server allows passkey-only logon (`GET /api/settings`).
    pub fn passkey_logon_allowed(&self) -> Result<bool> {
        let settings: PublicSettings = self.anonymous(Method::GET, "/api/settings", None)?;
        Ok(settings.allow_passkey_logon)
    }

    /// Ends the session on the server and forgets it here. Without a session, only forgets.
    pub fn logout(&mut self) -> Result<()> {
        if self.token.is_some() && !self.pending {
            match self.call::<Value>(Method::POST, "/api/logout", Some(json!({})), None) {
                Ok(_) | Err(AccountError::NotLoggedOn) => {}
                Err(other) => return Err(other),
            }
        }
        self.forget_session()
    }

    // --- The account ------------------------------------------------------------------------

    /// `GET /api/me`.
    pub fn info(&mut self) -> Result<AccountInfo> {
        self.call(Method::GET, "/api/me", None, None)
    }

    /// The account's passkeys with the most allowed.
    pub fn passkeys(&mut self) -> Result<PasskeyList> {
        self.call(Method::GET, "/api/me/passkeys", None, None)
    }

    /// Registers a passkey called `name` on the authenticator behind `key`. The server checks
    /// the name and the limit before the authenticator is used.
    pub fn enroll_passkey<D: Device>(&mut self, name: &str, key: &mut Client<D>, ui: &mut dyn Interaction) -> Result<Passkey> {
        let started: CeremonyStart =
            self.call(Method::POST, "/api/me/passkeys/register/start", Some(json!({"name": name})), Some(name))?;
        let options = parse_creation_options(&started.options.to_string())?;
        let deadline = ceremony_deadline(options.timeout, Instant::now());
        let credential = register(key, &options, &self.profile.url, ui, deadline)?;
        let body = json!({"ceremony_id": started.ceremony_id, "credential": credential});
        let registered: Registered = self.call(Method::POST, "/api/me/passkeys/register/finish", Some(body), Some(name))?;
        Ok(registered.passkey)
    }

    /// Renames the passkey `id` (base64url credential ID, as listed).
    pub fn rename_passkey(&mut self, id: &str, name: &str) -> Result<()> {
        let path = format!("/api/me/passkeys/{}", path_segment(id));
        let result: Result<Value> = self.call(Method::PATCH, &path, Some(json!({"name": name})), Some(id));
        match result {
            // The name is the subject of this error, not the ID.
            Err(AccountError::PasskeyNameTaken { .. }) => Err(AccountError::PasskeyNameTaken { name: name.trim().to_owned() }),
            other => other.map(|_| ()),
        }
    }

    /// Deletes the passkey `id`. Needs a fresh verification: without one this fails with
    /// [`AccountError::StepUpRequired`] listing the methods; verify with a `step_up_*` method
    /// and call again.
    pub fn delete_passkey(&mut self, id: &str) -> Result<()> {
        let path = format!("/api/me/passkeys/{}", path_segment(id));
        let result: Result<Value> = self.call(Method::DELETE, &path, None, Some(id));
        self.with_step_up_methods(result).map(|_| ())
    }

    /// Fills in the methods of a step-up refusal (the refusal itself does not list them).
    fn with_step_up_methods<T>(&mut self, result: Result<T>) -> Result<T> {
        match result {
            Err(AccountError::StepUpRequired { .. }) => {
                let status = self.step_up_status()?;
                Err(AccountError::StepUpRequired { methods: status.methods })
            }
            other => other,
        }
    }

    // --- Fresh verification (step-up) -------------------------------------------------------

    /// `GET /api/step-up`: how this account can verify and whether it has.
    pub fn step_up_status(&mut self) -> Result<StepUpStatus> {
        self.call(Method::GET, "/api/step-up", None, None)
    }

    /// Verifies afresh with a code from the bound virtual MFA device.
    pub fn step_up_totp(&mut self, code: &str) -> Result<()> {
        self.call::<Value>(Method::POST, "/api/step-up/totp", Some(json!({"code": code.trim()})), None).map(|_| ())
    }

    /// Verifies afresh with a passkey on `key`.
    pub fn step_up_passkey<D: Device>(&mut self, key: &mut Client<D>, ui: &mut dyn Interaction) -> Result<()> {
        self.assert_with::<D, Value>("/api/step-up/passkey/start", None, "/api/step-up/passkey/finish", key, ui).map(|_| ())
    }

    /// Asks the server to email a code to the bound address; returns the address.
    pub fn step_up_email_start(&mut self) -> Result<String> {
        let sent: EmailSent = self.call(Method::POST, "/api/step-up/email/start", Some(json!({})), None)?;
        Ok(sent.sent_to)
    }

    /// Verifies afresh with the emailed code.
    pub fn step_up_email_finish(&mut self, code: &str) -> Result<()> {
        self.call::<Value>(Method::POST, "/api/step-up/email/finish", Some(json!({"code": code.trim()})), None).map(|_| ())
    }

    /// Verifies afresh with the password (only accepted when nothing stronger is bound).
    pub fn step_up_password(&mut self, password: &str) -> Result<()> {
        self.call::<Value>(Method::POST, "/api/step-up/password", Some(json!({"password": password})), None).map(|_| ())
    }

    // --- Virtual MFA ------------------------------------------------------------------------

    /// Starts binding the server's virtual MFA: the secret and its otpauth URI, to add to
    /// KeyDesk codes (or any authenticator app). Needs a fresh verification
    /// ([`AccountError::StepUpRequired`]). Finish with [`Account::confirm_mfa`].
    pub fn start_mfa_binding(&mut self) -> Result<MfaOffer> {
        let result = self.call(Method::POST, "/api/me/mfa/totp/start", Some(json!({})), None);
        self.with_step_up_methods(result)
    }

    /// Binds the device with a current code from it.
    pub fn confirm_mfa(&mut self, code: &str) -> Result<()> {
        self.call::<Value>(Method::POST, "/api/me/mfa/totp/confirm", Some(json!({"code": code.trim()})), None).map(|_| ())
    }

    // --- Email --------------------------------------------------------------------------------

    /// Starts binding `address` (the server emails it a code; it then serves email step-up).
    /// Needs a fresh verification ([`AccountError::StepUpRequired`]).
    pub fn start_email_binding(&mut self, address: &str) -> Result<()> {
        let result = self.call::<Value>(Method::POST, "/api/me/email/start", Some(json!({"email": address.trim()})), None);
        self.with_step_up_methods(result).map(|_| ())
    }

    /// Binds the address with the code it received; returns the bound address.
    pub fn confirm_email(&mut self, code: &str) -> Result<String> {
        let bound: EmailBound = self.call(Method::POST, "/api/me/email/confirm", Some(json!({"code": code.trim()})), None)?;
        Ok(bound.email)
    }
}

/// A credential ID for a URL path: base64url is path-safe; anything else is percent-encoded so
/// that a hostile "ID" cannot reach another endpoint.
fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.trim().bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::path_segment;

    #[test]
    fn ids_cannot_leave_their_path_segment() {
        assert_eq!(path_segment("AbC-_09"), "AbC-_09");
        assert_eq!(path_segment("../admin/users"), "%2E%2E%2Fadmin%2Fusers");
        assert_eq!(path_segment("a?b#c"), "a%3Fb%23c");
    }
}
