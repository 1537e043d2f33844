//! `keydesk-codes`: the codes service that both front-ends (the `keydesk codes` CLI and the
//! desktop app) call, over the `keydesk-otp` library.
//!
//! * [`open`]: find, create and unlock the vault with each slot (password, OS keyring, FIDO2
//!   security key through hmac-secret), and manage the extra slots.
//! * [`Codes`]: an unlocked vault with every account operation: list codes with their
//!   countdown, show (HOTP advances first), add from otpauth URIs or QR payloads, edit,
//!   rename, tag, pin, reorder, delete to the trash and undo.
//! * [`transfer`]: import previews (nothing written until applied) and exports (secrets leave
//!   Rust only here, on request).
//! * [`pinned`]: the pinned accounts' codes for the tray (HOTP never advanced by showing).
//! * [`screen`]: QR codes read from the screen (X11, or `grim` on Wayland).
//! * [`clock`]: the computer's clock against a time server (SNTP), explained.
//! * [`clipboard`]: copied codes kept out of clipboard history and cleared only while still ours.
//!
//! What front-ends receive ([`CodeRow`], [`transfer::PreviewView`], [`open::Slot`]) never holds
//! a TOTP secret or PIN. Paths, the current time and devices are arguments: front-ends decide
//! where the vault lives ([`open::default_vault_path`] is the shared default) and how the user
//! is asked (a `keydesk_ctap_client::Interaction`).

pub mod clipboard;
pub mod clock;
mod error;
pub mod keyring_store;
pub mod open;
pub mod pinned;
pub mod screen;
pub mod security_key;
mod service;
pub mod transfer;

pub use error::CodesError;
pub use keyring_store::OsKeyring;
pub use service::{label, AccountEdit, AddReport, CodeRow, Codes, LabelOverride, ListFilter, NotAdded, TagChange};

/// The OTP library's types that appear in this API.
pub use keydesk_otp::{self as otp, AccountId, AccountSummary, SecretString};
