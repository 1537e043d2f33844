//! `cargo xtask test` and `cargo xtask bench`.

use crate::app;
use crate::cmd::{cargo, repo_root, run, Result};
use keydesk_testkit::Postgres;
use crate::system_packages::{ensure, ensure_python, BUILD, TEST, TEST_PYTHON};

/// Loopback port of the throw-away PostgreSQL the server tests run against: below Linux's
/// ephemeral range (32768-60999), so no recent outgoing connection can hold it in TIME_WAIT.
const TEST_POSTGRES_PORT: u16 = 25432;

/// Installs what the tests need, starts the components they share, runs lints and every test.
/// Extra arguments are passed to `cargo test` (e.g. a test-name filter).
pub fn test(extra: &[String]) -> Result {
    ensure(&[BUILD, TEST, app::BUILD_PACKAGES, app::TEST_PACKAGES].concat())?;
    ensure_python(TEST_PYTHON)?;
    crate::guest::prepare()?;
    // The desktop app embeds ui/dist at compile time: build the UI before anything compiles it.
    app::build_ui()?;
    let root = repo_root();
    run(cargo()
        .current_dir(&root)
        .args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    // pcscd and the virtual card are started by the NFC tests themselves (one pcscd per machine,
    // so those tests serialise on it); PostgreSQL is shared by the server tests.
    let postgres = Postgres::start(TEST_POSTGRES_PORT)?;
    run(cargo()
        .current_dir(&root)
        .args(["test", "--workspace"])
        .args(extra)
        .env("KEYDESK_TEST_POSTGRES_URL", &postgres.url))?;
    drop(postgres);
    if extra.is_empty() {
        crate::browser::server_pages()?;
        app::test_ui()?;
        app::test_end_to_end()?;
        crate::fuzz::run_all(crate::fuzz::SECONDS_IN_TESTS, crate::fuzz::Seed::Fixed)?;
    }
    Ok(())
}

/// Runs every benchmark; each prints its own measurements beside a baseline of the same run.
pub fn bench(extra: &[String]) -> Result {
    ensure(&[BUILD, TEST, app::BUILD_PACKAGES, app::TEST_PACKAGES].concat())?;
    app::build_ui()?;
    run(cargo().current_dir(repo_root()).args(["bench", "--workspace"]).args(extra))?;
    if extra.is_empty() {
        app::bench_startup()?;
    }
    Ok(())
}
