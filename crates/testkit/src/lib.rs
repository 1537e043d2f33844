//! Real components for tests and for `cargo xtask`: each guard starts a service and stops what it
//! started when dropped, so a test run leaves nothing behind.

mod pcscd;
mod postgres;
mod process;

pub use pcscd::{Pcscd, PCSCD_SOCKET};
pub use postgres::Postgres;
pub use process::{is_root, on_path};

/// The result type of the guards: errors are sentences saying what to do.
pub type Result<T> = std::result::Result<T, String>;
