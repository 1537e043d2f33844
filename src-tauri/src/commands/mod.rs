//! Commands the UI may call, one module per screen area. Each command only converts arguments,
//! calls the service libraries (keydesk-ctap-client, keydesk-transport, ...) and converts the
//! result into a view type with a TypeScript binding. The list of commands is
//! `src/commands/list.rs`.

pub mod ceremony;
pub mod codes;
pub mod developer;
pub mod devices;
pub mod diagnostics;
pub mod keys;
pub mod servers;
