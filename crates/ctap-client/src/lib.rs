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

mod ceremony;
mod client;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod interaction;
pub mod manage;
mod pin;
mod token;
mod u2f;

pub use ceremony::{Assertion, GetAssertionArgs, MakeCredentialArgs, UserVerification};
pub use client::{Client, KeyInfo, MAX_ITEMS};
pub use error::{Error, Feature};
pub use interaction::{
    EnrollProgress, Interaction, Pin, PinReason, PinRequest, Purpose, SampleStatus,
};
pub use pin::PinRetries;
pub use token::{PersistentToken, PinUvToken};
pub use u2f::{U2F_POLL_INTERVAL, U2F_TOUCH_TIMEOUT};
