//! End-to-end tests live in `tests/*.rs`: each joins several KeyDesk crates with real components
//! (pcscd with the vpcd driver, PostgreSQL) or with implementations written by others.
