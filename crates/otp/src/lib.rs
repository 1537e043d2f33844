//! `keydesk-otp`: the library behind KeyDesk's virtual MFA device.
//!
//! * [`model`]: accounts (TOTP, HOTP, Steam, Yandex, mOTP) with validation of every value.
//! * [`codes`]: code generation (RFC 4226 HOTP, RFC 6238 TOTP, Steam, Yandex, mOTP), the
//!   countdown, and clock-drift explanation. Time is always an argument.
//! * [`uri`]: lenient `otpauth://` parsing and lossless serialization.
//! * [`migration`]: Google Authenticator `otpauth-migration://` payloads (multi-QR batches).
//! * [`import`]: importers with a preview (Aegis, 2FAS, Ente Auth, Bitwarden, andOTP, FreeOTP+,
//!   otpauth lists), bounded against hostile files.
//! * [`export`]: otpauth URI lists, QR payload strings, encrypted Aegis vaults.
//! * [`qr`]: QR payloads read from PNG/JPEG images and rendered as PNG.
//! * [`vault`]: the encrypted on-disk store (XChaCha20-Poly1305 under a random master key,
//!   Argon2id password slot plus raw-key slots, atomic writes, versioned backups).
//!
//! The library never reads the clock and never chooses file locations: callers pass the
//! current unix time and paths. Secrets are zeroized on drop and redacted from `Debug`.

pub mod base32;
pub mod codes;
pub mod export;
pub mod import;
pub mod migration;
pub mod model;
pub mod qr;
pub mod secret;
pub mod sntp;
pub mod uri;
pub mod vault;

mod percent;
#[cfg(test)]
mod robustness_tests;
pub mod crypto;
pub mod secretstream;
mod random;

pub use codes::{check_clock_drift, generate_code, seconds_remaining, ClockDrift, Code, CodeError};
pub use model::{Account, AccountId, AccountSummary, HashAlgorithm, OtpKind, ValidationError};
pub use secret::{SecretBytes, SecretString};
