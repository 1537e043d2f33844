//! `keydesk-ctap-crypto`: the cryptography of CTAP 2.1 for both the platform (host) and the
//! authenticator side, built on RustCrypto.
//!
//! - PIN/UV auth protocols one and two (§6.5.6, §6.5.7): [`PinUvAuthProtocol`],
//!   [`encapsulate`] (platform), [`KeyAgreementKeyPair`] (authenticator), [`SharedSecret`],
//!   [`PinUvAuthToken`].
//! - PIN handling of authenticatorClientPIN (§6.5.5): [`pin`].
//! - Permissions and the authenticator's token state (§6.5.2.1, §6.5.5.7): [`Permissions`],
//!   [`TokenState`].
//! - hmac-secret and the WebAuthn PRF mapping (§12.5): [`hmac_secret`].
//! - Large blobs (§6.10, §12.3): [`large_blob`].
//!
//! The crate does no IO: no files, sockets, threads or clocks. Randomness comes in as
//! `&mut impl CryptoRngCore` and time as a [`std::time::Duration`] since a fixed origin, so
//! every operation is deterministic under test. COSE keys are the message crate's concern:
//! here a key-agreement key is its raw coordinates ([`KeyAgreementPublicKey`]).
//! Secrets (shared secrets, tokens, PINs, keys) are zeroized on drop and redacted in Debug.

mod error;
pub mod hmac_secret;
mod key_agreement;
pub mod large_blob;
mod permissions;
pub mod pin;
mod protocol;
mod token;
mod token_state;

#[cfg(test)]
mod tests;

pub use error::CryptoError;
pub use key_agreement::{encapsulate, KeyAgreementKeyPair, KeyAgreementPublicKey};
pub use permissions::Permissions;
pub use protocol::{PinUvAuthProtocol, SharedSecret, AES_BLOCK_LEN};
pub use rand_core::CryptoRngCore;
pub use token::PinUvAuthToken;
pub use token_state::{RpIdRule, TokenError, TokenState, TokenTimeLimits};
