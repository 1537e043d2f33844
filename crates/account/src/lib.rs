//! # keydesk-account: the client side of KeyDesk's reference server
//!
//! A small blocking HTTP client of the keydesk-server API (crates/server/docs/api.md), shared
//! by the `keydesk server` CLI commands and the desktop app:
//!
//! - [`ProfileStore`] / [`Profile`]: the servers a user logs on to (name, origin URL, user
//!   name), JSON in the user's configuration directory, written atomically;
//! - [`Account`]: logon with the password and a second factor (TOTP code or passkey), passkey-only
//!   logon, enrolling a passkey under a name on any authenticator
//!   (`keydesk_ctap_client::Client<D: keydesk_transport::Device>` plus an `Interaction` for
//!   touch and PIN prompts), listing / renaming / deleting the account's passkeys with a fresh
//!   verification (step-up) when the server demands it, and binding the server's virtual MFA;
//! - [`TokenStore`]: where the session token lives between runs: the OS keyring
//!   ([`KeyringTokenStore`]) or memory ([`MemoryTokenStore`]). Tokens are zeroized
//!   ([`SessionToken`]) and never shown by Debug;
//! - [`AccountError`]: every refusal as a variant that says what to do next, with a stable
//!   [`AccountError::kind`] for JSON.
//!
//! WebAuthn ceremonies use the profile's URL as the origin, through keydesk-webauthn-client, so
//! a server asking for another site's passkeys is refused as a browser would refuse it.
//!
//! ```no_run
//! # fn demo<D: keydesk_transport::Device>(
//! #     key: &mut keydesk_ctap_client::Client<D>,
//! #     ui: &mut dyn keydesk_ctap_client::Interaction,
//! # ) -> Result<(), keydesk_account::AccountError> {
//! use keydesk_account::*;
//! let store = ProfileStore::new(ProfileStore::default_path()?);
//! store.add(Profile::new("work", "https://login.example.com", "dana")?)?;
//! let mut account = Account::open(store.get("work")?, Box::new(KeyringTokenStore::new()))?;
//! if let LogonStage::SecondFactorNeeded { .. } = account.logon_password("password")?.stage {
//!     account.second_factor_totp("123456")?;
//! }
//! let passkey = account.enroll_passkey("blue key", key, ui)?;
//! account.rename_passkey(&passkey.id, "office key")?;
//! # Ok(()) }
//! ```

mod account;
mod error;
mod http;
mod profile;
mod session;
pub mod wire;

pub use account::{Account, LogonOutcome, LogonStage};
pub use error::{AccountError, Result};
pub use profile::{decode_profiles, Profile, ProfileStore, MAX_PROFILE_NAME};
pub use session::{KeyringTokenStore, MemoryTokenStore, SessionToken, TokenStore, KEYRING_SERVICE};
pub use wire::{AccountInfo, MfaOffer, Passkey, PasskeyList, PublicSettings, StepUpStatus, VerificationMethod};
