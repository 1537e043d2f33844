//! # keydesk-virtual-key: a complete software CTAP 2.1 authenticator
//!
//! The counterpart of KeyDesk's host: it decodes the requests the host encodes and answers
//! as a real security key would, exact to CTAP 2.1 §6 (getInfo, makeCredential,
//! getAssertion, getNextAssertion, clientPIN with both PIN/UV auth protocols, reset,
//! selection, credentialManagement, bioEnrollment, largeBlobs, authenticatorConfig).
//!
//! ## No IO in the engine
//!
//! [`Authenticator`] is sans-IO: request bytes and the current time go in, response bytes
//! come out. Waiting for a touch is a state, not a blocking call:
//!
//! ```text
//!   handle(request, now) ─▶ Reply::Response(bytes)
//!                       └─▶ Reply::WaitingForUserPresence ─ touch()/deny()/cancel()/poll(now) ─▶ bytes
//! ```
//!
//! The only IO is opt-in persistence: [`Authenticator::open`] binds the key to a state file
//! written atomically ([`persist::AtomicFile`]) after every state change. Randomness is
//! injected ([`KeyRng::seeded`] for deterministic tests, [`KeyRng::os`] in production).
//!
//! Device-side transport adapters join the engine to the framings of `keydesk-framing`.

pub mod attestation;
mod authenticator;
pub mod bio;
mod config;
pub mod credential_id;
mod ctap2;
pub mod device;
#[doc(hidden)]
pub mod fuzzing;
pub mod keys;
pub mod large_blob;
pub mod persist;
pub mod pin;
mod rng;
mod secret;
mod state;
pub mod store;
mod u2f;

pub use authenticator::{Authenticator, Reply};
pub use config::{AttestationMode, Config, PresencePolicy};
pub use device::{BleKey, CardKey, HidKey};
pub use ctap2::make_credential::MAX_CRED_BLOB_LENGTH;
pub use keydesk_framing::KeepaliveStatus;
pub use persist::StateFileError;
pub use rng::KeyRng;
pub use secret::Secret32;
