//! Project automation for KeyDesk.
//!
//! `cargo xtask run`   installs what is missing, builds, and starts KeyDesk against a virtual key.
//! `cargo xtask test`  installs what the tests need, starts the real components, runs every test.
//! `cargo xtask bench` runs the benchmarks, each printing ratios against a baseline of the same run.
//! `cargo xtask guest` runs only the USB and BLE end-to-end tests in QEMU guests, showing their console.
//! `cargo xtask screenshots` refreshes docs/screenshots/ (every screen of the app, light and dark).
//! `cargo xtask ui`    builds the desktop app's UI (ui/dist, which src-tauri embeds);
//! `cargo xtask bindings` rewrites ui/src/bindings from the Rust types;
//! `cargo xtask e2e`   runs the real app under Xvfb through tauri-driver (end to end).
//! `cargo xtask fuzz [SECONDS]` runs every fuzz target for SECONDS (default 60) on stable Rust.
//!
//! Only std is used so that xtask itself compiles in seconds on a cold machine.

mod app;
mod browser;
mod cmd;
mod fuzz;
mod guest;
mod reference_server;
mod run;
mod system_packages;
mod test;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run::run(&args[1..]),
        Some("test") => test::test(&args[1..]),
        Some("bench") => test::bench(&args[1..]),
        Some("guest") => guest::guest(&args[1..]),
        Some("bench-startup") => app::bench_startup(),
        Some("screenshots") => app::screenshots(),
        Some("ui") => app::build_ui(),
        Some("bindings") => app::update_bindings(),
        Some("e2e") => app::test_end_to_end(),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        Some("install-deps") => system_packages::ensure(
            &[system_packages::BUILD, system_packages::TEST, app::BUILD_PACKAGES, app::TEST_PACKAGES].concat(),
        ),
        _ => {
            eprintln!("usage: cargo xtask <run|test|bench|bench-startup|guest|screenshots|ui|bindings|e2e|fuzz|install-deps>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
