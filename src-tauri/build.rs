//! Checks the UI is built (tauri embeds ui/dist at compile time) and generates one permission
//! per command, so the capability file is the complete list of what the UI may call.

include!("src/commands/list.rs");

const COMMANDS: &[&str] = for_each_command!(command_names);

fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist/index.html");
    println!("cargo:rerun-if-changed={}", dist.display());
    if !dist.exists() {
        eprintln!(
            "\nThe desktop app embeds the built UI, and ui/dist is missing.\n\
             Build it first with `cargo xtask ui` (or `npm ci && npm run build` in ui/), then build again.\n"
        );
        std::process::exit(1);
    }
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)).unwrap_or_else(|error| {
        eprintln!("tauri-build failed: {error:#}");
        std::process::exit(1);
    });
}
