//! # keydesk-ctap-client: the host side of CTAP, and key management on top of it
//!
//! [`Client`] drives any authenticator through the transport seam
//! ([`keydesk_transport::Device`]: USB HID, NFC, BLE, the virtual key): it caches
//! authenticatorGetInfo (falling back to CTAP1/U2F detection), chooses the PIN/UV auth
//! protocol, obtains pinUvAuthTokens with the permissions and RP ID each command needs, and
//! runs makeCredential / getAssertion. The key-management service (PIN, passkeys,
//! fingerprints, settings, large blobs, reset) is a set of methods on the same client, each
//! checking getInfo first and answering [`Error::Unsupported`] for what the key does not offer.
//!
//! ## The user is asked, never assumed
//!
//! ```text
//!  front end (CLI, desktop app)          Client<D: Device>                key
//!  impl Interaction  <-- touch_needed --  keepalive UP_NEEDED   <------   |
//!                    <-- pin_needed(PinRequest{reason, retries_left})     |
//!                    --> Some(Pin) / None                                 |
//!                    <-- uv_failed, choose_credential, enroll_progress    |
//!                    --> cancel_requested() --> transport cancel ------>  |
//! ```
//!
//! A wrong PIN is never retried on the user's behalf: the next [`PinRequest`] says the last
//! PIN was wrong and how many retries are left, and only a PIN the front end supplies is
//! sent. A blocked PIN and the power-cycle block are distinct [`Error`]s that explain the way
//! out. Result types serialize with serde (the CLI prints them with `--json`); their JSON
//! shapes are documented on each type.
//!
//! ## The API at a glance
//!
//! ```text
//! Client::new(device)                        any keydesk_transport::Device
//!   info() / ctap2_info() / refresh_info()   KeyInfo::{Ctap2(getInfo), U2fOnly}
//!   wait_for_touch(ui)                       "touch the key you want to use" (selection)
//!   make_credential(&MakeCredentialArgs, ui) -> MakeCredentialResponse
//!   get_assertion(&GetAssertionArgs, ui)     -> Assertion (ui chooses among accounts)
//!   get_assertions(&GetAssertionArgs, ui)    -> Vec<Assertion>
//!   pin_status()                             -> manage::PinStatus
//!   set_pin(&Pin) / change_pin(&Pin, ui)     new PIN checked (minPINLength, 63 bytes)
//!   list_passkeys(ui)                        -> manage::PasskeyList (grouped by site)
//!   passkey_capacity(ui)                     -> manage::PasskeyCapacity
//!   update_passkey_user(id, name, display, ui) / delete_passkey(id, ui)
//!   persistent_token(ui) -> PersistentToken; list_passkeys_read_only(&token)   (CTAP 2.2)
//!   fingerprint_sensor() / list_fingerprints(ui) / enroll_fingerprint(name, timeout, ui)
//!   rename_fingerprint(id, name, ui) / delete_fingerprint(id, ui)
//!   settings() / set_always_uv(on, ui) / set_min_pin_length(&change, ui)
//!   force_pin_change(ui) / enable_enterprise_attestation(ui)
//!   large_blob_info() / read_large_blob(id, ui) / write_large_blob(id, data, ui)
//!   delete_large_blob(id, ui)
//!   reset_guide() -> manage::ResetGuide; reset(ui) right after the key was replugged
//! ```
//!
//! PIN/UV key agreement (CTAP 2.1 §6.5.4-§6.5.7): a client keeps one platform key-agreement
//! key pair for its lifetime (one series of transactions with one key), asks the key for its
//! current key-agreement key (getKeyAgreement) before every pinUvAuthToken, PIN change or
//! hmac-secret, and computes the ECDH again only when that key changed.
//!
//! Errors: [`Error`]'s Display says what to do next; [`Error::code`] and
//! [`Error::to_report`] give a stable code and a serializable [`ErrorReport`] for `--json`.
//!
//! Every method sends its messages through the one device; the client is not thread-safe
//! by design (one key, one conversation). It performs no IO beyond the device except
//! sleeping between U2F touch polls.

mod ceremony;
mod client;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod interaction;
mod key_agreement;
pub mod manage;
mod pin;
mod selection;
mod token;
mod u2f;

pub use ceremony::{Assertion, GetAssertionArgs, MakeCredentialArgs, UserVerification};
pub use client::{Client, KeyInfo, MAX_ITEMS};
pub use error::{Error, ErrorReport, Feature};
pub use interaction::{
    EnrollProgress, Interaction, Pin, PinReason, PinRequest, Purpose, SampleStatus,
};
pub use pin::PinRetries;
pub use token::{PersistentToken, PinUvToken};
pub use u2f::{U2F_POLL_INTERVAL, U2F_TOUCH_TIMEOUT};
