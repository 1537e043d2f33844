//! # keydesk-platform-authenticator: "this computer" as an authenticator
//!
//! The computer's own passkey store, listed beside hardware keys: KeyDesk's software CTAP 2.1
//! authenticator (`keydesk-virtual-key`) configured as a platform authenticator ([`config`]:
//! transport "internal", its own [`AAGUID`], self attestation, presence granted because the user
//! confirms in KeyDesk, user verification by the authenticator's own clientPIN) and served as a
//! [`keydesk_transport::Device`] with the stable ID [`DEVICE_ID`].
//!
//! ## Where the passkeys live
//!
//! ```text
//!  ~/.local/share/keydesk/this-computer.key      OS keyring (Secret Service / Keychain /
//!  "KDPC" v1 | key ID | nonce | XChaCha20-       Credential Manager), service
//!  Poly1305( virtual key state file )  <-------  "keydesk-this-computer", entry "state-<key ID>":
//!  written atomically after every change         the random 32-byte file key, nowhere else
//! ```
//!
//! A locked or missing keyring, or a key missing from it, is a precise [`PlatformError`]; the
//! state file is then never written, so no passkey is lost by a failed open.
//!
//! ## For front ends
//!
//! ```no_run
//! use keydesk_platform_authenticator::{open_any, scan_all};
//! let inventory = scan_all(); // hardware keys + "This computer", problems as sentences
//! for device in &inventory.devices {
//!     println!("{} {}", device.id, device.product);
//! }
//! let device = open_any(&inventory.devices[0].id)?; // Box<dyn keydesk_transport::Device>
//! # Ok::<(), keydesk_platform_authenticator::OpenError>(())
//! ```
//!
//! Tests use [`ThisComputer::new`] with a temporary path and a [`MemoryStore`].

mod discovery;
mod error;
mod platform;
pub mod sealed;
pub mod store;

pub use discovery::{is_this_computer, open_any, open_with, problem, scan_all, scan_with, OpenError};
pub use error::PlatformError;
pub use platform::{
    config, default_state_path, descriptor, PlatformAuthenticator, ThisComputer, AAGUID, CAPACITY, DEVICE_ID,
    PRODUCT, STATE_FILE_NAME,
};
pub use store::{MemoryStore, MemoryStoreMode, OsKeyring, Presence, SecretStore, StoreError, SERVICE};
