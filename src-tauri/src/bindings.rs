//! TypeScript bindings of the IPC types, generated with ts-rs into one committed file,
//! `ui/src/bindings/keydesk.ts`, together with the list of command names. The test
//! `bindings::tests::committed_bindings_match_the_rust_types` fails when the file drifts from
//! the Rust types; `KEYDESK_UPDATE_BINDINGS=1 cargo test -p keydesk-desktop bindings`
//! rewrites it.

use ts_rs::{Config, TS};

/// Writes one type's declaration (with its doc comment) as an `export`.
pub type Declare = fn(&Config) -> String;

/// `export type T = ...;` with T's docs.
pub fn declare<T: TS>(cfg: &Config) -> String {
    let mut out = T::docs().unwrap_or_default();
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out
}

/// Types shared by every screen.
const SHARED: &[Declare] = &[
    declare::<crate::error::AppError>,
    declare::<crate::ceremony::CeremonyEvent>,
    declare::<crate::ceremony::AccountChoice>,
    declare::<crate::ceremony::CeremonyAnswer>,
];

/// Every module's types, in file order. A new commands module adds its `BINDINGS` here.
const MODULES: &[&[Declare]] = &[
    SHARED,
    crate::commands::developer::BINDINGS,
    crate::commands::devices::BINDINGS,
    crate::commands::diagnostics::BINDINGS,
    crate::commands::keys::BINDINGS,
    crate::commands::codes::BINDINGS,
    crate::commands::servers::BINDINGS,
];

/// Where the bindings live, relative to this crate.
pub const PATH: &str = "../ui/src/bindings/keydesk.ts";

/// The whole generated file.
pub fn render() -> String {
    let cfg = Config::new();
    let mut out = String::from(
        "// Generated from the Rust types in src-tauri by ts-rs: do not edit.\n\
         // Regenerate: KEYDESK_UPDATE_BINDINGS=1 cargo test -p keydesk-desktop bindings\n\n",
    );
    for declare in MODULES.iter().flat_map(|module| module.iter()) {
        out.push_str(&declare(&cfg));
        out.push_str("\n\n");
    }
    out.push_str("/** Every command the UI may invoke (src-tauri/src/commands/list.rs). */\n");
    out.push_str("export const COMMANDS = [\n");
    for name in crate::COMMANDS {
        out.push_str(&format!("  \"{name}\",\n"));
    }
    out.push_str("] as const;\n\nexport type CommandName = (typeof COMMANDS)[number];\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn committed_bindings_match_the_rust_types() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(PATH);
        let expected = render();
        if std::env::var_os("KEYDESK_UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &expected).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == expected,
            "{} is out of date with the Rust types: run `KEYDESK_UPDATE_BINDINGS=1 cargo test -p keydesk-desktop bindings` and commit the result",
            path.display()
        );
    }
}
