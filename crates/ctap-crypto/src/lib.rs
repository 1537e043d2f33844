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
//!
//! # Example: setPIN, then a pinUvAuthParam with the issued token
//!
//! ```
//! use keydesk_ctap_crypto::{encapsulate, pin, KeyAgreementKeyPair, PinUvAuthProtocol, PinUvAuthToken};
//! # use rand_chacha::rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
//! let protocol = PinUvAuthProtocol::Two;
//!
//! // Authenticator: its key-agreement key (clientPIN getKeyAgreement).
//! let authenticator_key = KeyAgreementKeyPair::generate(&mut rng);
//!
//! // Platform: shared secret and setPIN parameters.
//! let (platform_key, platform_secret) =
//!     encapsulate(protocol, &authenticator_key.public_key(), &mut rng)?;
//! let new_pin = pin::Pin::new("1234", pin::DEFAULT_MIN_PIN_CODE_POINTS)?;
//! let params = pin::set_pin_params(&platform_secret, &new_pin, &mut rng)?;
//!
//! // Authenticator: the same secret, then the PIN.
//! let device_secret = authenticator_key.decapsulate(protocol, &platform_key)?;
//! let pin = pin::open_set_pin(&device_secret, &params.new_pin_enc, &params.pin_uv_auth_param, 4)?;
//! assert_eq!(pin.as_str(), "1234");
//!
//! // Authenticator issues a token; the platform decrypts it and authenticates a request.
//! let token = PinUvAuthToken::generate(&mut rng);
//! let encrypted = token.encrypt(&device_secret, &mut rng)?;
//! let received = PinUvAuthToken::decrypt(&platform_secret, &encrypted)?;
//! let param = received.authenticate(protocol, &[0u8; 32]);
//! token.verify(protocol, &[0u8; 32], &param)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
pub mod hmac_secret;
mod key_agreement;
pub mod large_blob;
pub mod pin;
mod protocol;
mod token;
mod token_state;

#[cfg(test)]
mod tests;

pub use error::CryptoError;
pub use key_agreement::{encapsulate, KeyAgreementKeyPair, KeyAgreementPublicKey};
/// The permissions bit set is the clientPIN message's own type (`keydesk-ctap`, CTAP 2.1
/// §6.5.5.7); the token state here checks it.
pub use keydesk_ctap::commands::Permissions;
pub use protocol::{PinUvAuthProtocol, SharedSecret, AES_BLOCK_LEN};
pub use rand_core::CryptoRngCore;
pub use token::PinUvAuthToken;
pub use token_state::{RpIdRule, TokenError, TokenState, TokenTimeLimits};
