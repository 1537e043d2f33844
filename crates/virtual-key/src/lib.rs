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
//! Device-side transport adapters join the engine to the framings of `keydesk-framing`:
//! [`HidKey`] (CTAPHID reports), [`CardKey`] (ISO 7816 APDUs, for the vpcd shell) and
//! [`BleKey`] (GATT control-point writes).
//!
//! ## In memory
//!
//! ```
//! use std::time::Duration;
//! use keydesk_virtual_key::{Authenticator, Config, KeyRng, PresencePolicy, Reply};
//!
//! let config = Config { presence: PresencePolicy::WaitForTouch, ..Config::default() };
//! let mut key = Authenticator::new(config, KeyRng::seeded(1), Duration::ZERO);
//! // authenticatorGetInfo (0x04) answers at once: status 0x00 then canonical CBOR.
//! let Reply::Response(info) = key.handle(&[0x04], Duration::ZERO) else { unreachable!() };
//! assert_eq!(info[0], 0x00);
//! // authenticatorSelection (0x0B) waits for the user.
//! assert_eq!(key.handle(&[0x0b], Duration::ZERO), Reply::WaitingForUserPresence);
//! assert!(key.keepalive_status().is_some());
//! assert_eq!(key.touch(Duration::from_secs(1)), Some(vec![0x00]));
//! ```
//!
//! ## As a contactless card (vpcd)
//!
//! ```
//! use std::time::Duration;
//! use keydesk_framing::iso7816::CardConfig;
//! use keydesk_virtual_key::{Authenticator, CardKey, Config, KeyRng};
//!
//! let key = Authenticator::new(Config::default(), KeyRng::os(), Duration::ZERO);
//! let mut card = CardKey::new(key, CardConfig::default());
//! // vpcd "power on" / "reset": card.power_cycle(now); "get ATR": card.atr().
//! let select = [0x00, 0xa4, 0x04, 0x00, 0x08, 0xa0, 0x00, 0x00, 0x06, 0x47, 0x2f, 0x00, 0x01];
//! assert_eq!(card.handle_apdu(&select, Duration::ZERO), b"FIDO_2_0\x90\x00");
//! ```

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

#[cfg(test)]
mod tests {
    /// The IO shells (vpcd, uhid) move the key between threads.
    #[test]
    fn keys_and_adapters_are_send() {
        fn assert_send<T: Send>() {}
        assert_send::<super::Authenticator>();
        assert_send::<super::HidKey>();
        assert_send::<super::CardKey>();
        assert_send::<super::BleKey>();
    }
}
