//! The server's JSON answers (crates/server/docs/api.md) as typed values.
//!
//! Every decoder takes untrusted bytes and returns a value or a reason; none panics (see the
//! pseudo-random input test below and the fuzz target `wire`). Unknown fields are ignored so
//! that a newer server still works; missing or mistyped fields are errors.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Largest answer body read from the server (a passkey list or options are a few KiB).
pub const MAX_ANSWER_BYTES: usize = 1 << 20;

/// A way to verify: a logon's second factor or a fresh verification (step-up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum VerificationMethod {
    /// A code from the bound virtual MFA device (RFC 6238 TOTP).
    Totp,
    /// A passkey registered on the account.
    Passkey,
    /// A code sent to the bound email address.
    Email,
    /// The password (step-up only, when nothing stronger is bound).
    Password,
    /// A method this client does not know.
    #[serde(untagged)]
    Other(String),
}

impl VerificationMethod {
    /// Words for a sentence ("with a passkey").
    pub fn describe(&self) -> &str {
        match self {
            Self::Totp => "a code from your authenticator app",
            Self::Passkey => "a passkey",
            Self::Email => "a code sent by email",
            Self::Password => "your password",
            Self::Other(name) => name,
        }
    }
}

/// `{"error": {"kind", "message"}}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorAnswer {
    pub error: ErrorDetail,
}

/// The inside of an error answer.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorDetail {
    pub kind: String,
    #[serde(default)]
    pub message: String,
}

/// `POST /api/logon/password` and `/api/logon/passkey/finish`.
#[derive(Deserialize)]
pub(crate) struct LogonAnswer {
    pub session_token: Zeroizing<String>,
    pub stage: String,
    pub user: String,
    #[serde(default)]
    pub mfa_methods: Vec<VerificationMethod>,
}

impl std::fmt::Debug for LogonAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogonAnswer")
            .field("session_token", &"<redacted>")
            .field("stage", &self.stage)
            .field("user", &self.user)
            .field("mfa_methods", &self.mfa_methods)
            .finish()
    }
}

/// `POST /api/logon/mfa/...`: the session is active now.
#[derive(Debug, Deserialize)]
pub(crate) struct StageAnswer {
    pub stage: String,
}

/// The start of a WebAuthn ceremony: its ID and the options for the client.
#[derive(Debug, Deserialize)]
pub(crate) struct CeremonyStart {
    pub ceremony_id: String,
    pub options: serde_json::Value,
}

/// A passkey registered on the account, as the server lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passkey {
    /// Credential ID, base64url: what rename and delete take.
    pub id: String,
    /// The name the user gave it.
    pub name: String,
    /// Registration time, Unix seconds.
    pub created_at: i64,
    /// Last logon or verification with it, Unix seconds.
    pub last_used_at: Option<i64>,
    /// Assertions whose signature counter did not increase (a cloned-key warning).
    #[serde(default)]
    pub counter_regressions: i64,
}

/// `GET /api/me/passkeys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyList {
    /// The passkeys, oldest first.
    pub passkeys: Vec<Passkey>,
    /// The most passkeys the account may hold.
    pub max: i64,
}

/// `POST /api/me/passkeys/register/finish`.
#[derive(Debug, Deserialize)]
pub(crate) struct Registered {
    pub passkey: Passkey,
}

/// `GET /api/step-up`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepUpStatus {
    /// The ways this account can verify afresh.
    pub methods: Vec<VerificationMethod>,
    /// Whether a fresh verification is on record.
    pub fresh: bool,
    /// Until when (Unix seconds) the last verification counts.
    pub verified_until: i64,
}

/// `GET /api/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    /// The logon name (`user@suffix`).
    pub user: String,
    /// Whether a virtual MFA device is bound.
    pub totp_bound: bool,
    /// Number of passkeys.
    pub passkeys: i64,
    /// The bound email address.
    pub email: Option<String>,
    /// Account creation, Unix seconds.
    pub created_at: i64,
}

/// `GET /api/settings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicSettings {
    /// Whether passkey-only logon is allowed.
    pub allow_passkey_logon: bool,
}

/// `POST /api/me/mfa/totp/start`: the new secret. Zeroized; Debug redacts it.
#[derive(Deserialize)]
pub struct MfaOffer {
    /// Base32 secret to type into a device.
    pub secret: Zeroizing<String>,
    /// The `otpauth://totp/...` URI (it contains the secret).
    pub otpauth_uri: Zeroizing<String>,
}

impl std::fmt::Debug for MfaOffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MfaOffer").field("secret", &"<redacted>").field("otpauth_uri", &"<redacted>").finish()
    }
}

/// `POST /api/step-up/email/start`.
#[derive(Debug, Deserialize)]
pub(crate) struct EmailSent {
    pub sent_to: String,
}

/// `POST /api/me/email/confirm`.
#[derive(Debug, Deserialize)]
pub(crate) struct EmailBound {
    pub email: String,
}

/// Decodes a JSON answer into `T`; the error says what is wrong (never the body itself, which
/// may hold a secret).
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    if body.len() > MAX_ANSWER_BYTES {
        return Err(format!("the answer is over {MAX_ANSWER_BYTES} bytes"));
    }
    serde_json::from_slice(body).map_err(|e| format!("{} at line {} column {}", category(&e), e.line(), e.column()))
}

fn category(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Io => "unreadable",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "missing or mistyped field",
        serde_json::error::Category::Eof => "cut short",
    }
}

/// Feeds `data` to every decoder (fuzz targets and the robustness test).
pub fn decode_all(data: &[u8]) {
    let _ = decode::<ErrorAnswer>(data);
    let _ = decode::<LogonAnswer>(data);
    let _ = decode::<StageAnswer>(data);
    let _ = decode::<CeremonyStart>(data);
    let _ = decode::<PasskeyList>(data);
    let _ = decode::<Registered>(data);
    let _ = decode::<StepUpStatus>(data);
    let _ = decode::<AccountInfo>(data);
    let _ = decode::<PublicSettings>(data);
    let _ = decode::<MfaOffer>(data);
    let _ = decode::<EmailSent>(data);
    let _ = decode::<EmailBound>(data);
    let _ = crate::profile::decode_profiles(data);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn passkey_list_decodes_with_unknown_fields_and_nulls() {
        let body = br#"{"passkeys":[{"id":"AAEC","name":"yubi","created_at":5,"last_used_at":null,
            "counter_regressions":0,"last_regression_at":null,"future":1}],"max":5}"#;
        let list: PasskeyList = decode(body).unwrap();
        assert_eq!(list.passkeys[0].name, "yubi");
        assert_eq!(list.passkeys[0].last_used_at, None);
        assert_eq!(list.max, 5);
    }

    #[test]
    fn methods_keep_unknown_names() {
        let status: StepUpStatus =
            decode(br#"{"methods":["totp","passkey","email","password","smartcard"],"fresh":false,"verified_until":0}"#)
                .unwrap();
        assert_eq!(
            status.methods,
            vec![
                VerificationMethod::Totp,
                VerificationMethod::Passkey,
                VerificationMethod::Email,
                VerificationMethod::Password,
                VerificationMethod::Other("smartcard".into())
            ]
        );
    }

    #[test]
    fn wrong_shapes_are_errors_that_name_the_problem() {
        assert!(decode::<PasskeyList>(b"<html>").unwrap_err().starts_with("not JSON"));
        assert!(decode::<PasskeyList>(br#"{"passkeys":[]}"#).unwrap_err().starts_with("missing"));
        assert!(decode::<PasskeyList>(br#"{"passkeys":[{"id":1}],"max":5}"#).unwrap_err().starts_with("missing"));
        assert!(decode::<PasskeyList>(br#"{"passkeys":["#).unwrap_err().starts_with("cut short"));
        let huge = vec![b' '; MAX_ANSWER_BYTES + 1];
        assert!(decode::<PasskeyList>(&huge).is_err());
    }

    #[test]
    fn secrets_are_redacted_from_debug() {
        let offer: MfaOffer = decode(br#"{"secret":"JBSWY3DPEHPK3PXP","otpauth_uri":"otpauth://totp/x?secret=JBSWY3DPEHPK3PXP","qr_svg":""}"#).unwrap();
        assert!(!format!("{offer:?}").contains("JBSW"));
        let logon: LogonAnswer =
            decode(br#"{"session_token":"tok-123","stage":"active","user":"a@b","mfa_methods":[]}"#).unwrap();
        assert!(!format!("{logon:?}").contains("tok-123"));
    }

    /// Pseudo-random and mutated answers (deterministic seed, bounded count): no decoder panics.
    #[test]
    fn hostile_answers_never_panic() {
        let seeds: [&[u8]; 6] = [
            br#"{"passkeys":[{"id":"AAEC","name":"n","created_at":1,"last_used_at":2}],"max":5}"#,
            br#"{"session_token":"t","stage":"mfa_required","user":"u","mfa_methods":["totp","passkey"]}"#,
            br#"{"ceremony_id":"c","options":{"challenge":"AA","rpId":"localhost"}}"#,
            br#"{"error":{"kind":"passkey_name_taken","message":"m"}}"#,
            br#"{"methods":["totp"],"fresh":true,"verified_until":9}"#,
            br#"{"version":1,"servers":[{"name":"a","url":"https://example.com","username":"u"}]}"#,
        ];
        let mut state: u64 = 0x4b65_7944_6573_6b21;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..4000 {
            let mut data = seeds[round % seeds.len()].to_vec();
            for _ in 0..(next() % 6) {
                let r = next();
                let at = usize::try_from(r >> 8).unwrap_or(0) % (data.len() + 1);
                match r % 4 {
                    0 if at < data.len() => data[at] = (r >> 40) as u8,
                    1 => data.insert(at, b"{}[]\":,0-e\\"[usize::try_from(r >> 32).unwrap_or(0) % 11]),
                    2 if at < data.len() => {
                        data.remove(at);
                    }
                    _ => data.truncate(at),
                }
            }
            decode_all(&data);
            let random: Vec<u8> = (0..next() % 64).map(|_| next() as u8).collect();
            decode_all(&random);
        }
    }
}
