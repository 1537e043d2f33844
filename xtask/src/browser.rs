//! Browser tests: a real Chromium (Debian's package, driven by playwright-core with the DevTools
//! virtual authenticator) as a second WebAuthn client of the reference server's web pages.

use crate::cmd::{repo_root, run, target_dir, Result};
use crate::system_packages::ensure;
use keydesk_testkit::on_path;
use std::process::Command;

/// Chromium itself, curl for the script's readiness probe, Node.js for playwright-core.
const PACKAGES: &[&str] = &["chromium", "curl"];

/// Runs crates/server/tests/browser/run.sh against the server binary `cargo test` built.
pub fn server_pages() -> Result {
    ensure(PACKAGES)?;
    if !on_path("node") || !on_path("npm") {
        ensure(&["nodejs", "npm"])?;
    }
    // playwright-core is a plain npm package (no browser download); keep it beside the build.
    let playwright = target_dir().join("playwright");
    if !playwright.join("node_modules").join("playwright-core").is_dir() {
        std::fs::create_dir_all(&playwright).map_err(|e| format!("cannot create {playwright:?}: {e}"))?;
        run(Command::new("npm").args(["init", "-y"]).current_dir(&playwright).stdout(std::process::Stdio::null()))?;
        run(Command::new("npm").args(["install", "--silent", "--no-audit", "--no-fund", "playwright-core@1"]).current_dir(&playwright))?;
    }
    run(Command::new("bash")
        .arg(repo_root().join("crates/server/tests/browser/run.sh"))
        .env("PLAYWRIGHT_DIR", &playwright)
        .env("KEYDESK_SERVER_BIN", target_dir().join("debug").join("keydesk-server")))
}
