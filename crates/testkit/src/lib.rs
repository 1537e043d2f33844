//! Real components for tests and for `cargo xtask` (pcscd, PostgreSQL, a Secret Service, an SMTP server, an X display): each guard starts a service and stops what it
//! started when dropped, so a test run leaves nothing behind.

mod pcscd;
mod ports;
mod postgres;
mod process;
mod secret_service;
pub mod smtp;
pub mod vpcd_config;
mod xvfb;

pub use pcscd::{Pcscd, PCSCD_SOCKET};
pub use postgres::Postgres;
pub use xvfb::Xvfb;
pub use process::{is_root, on_path};
pub use secret_service::{SecretService, KEYRING_PASSWORD};

/// The result type of the guards: errors are sentences saying what to do.
pub type Result<T> = std::result::Result<T, String>;
