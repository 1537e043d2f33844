//! Installs the Debian/Ubuntu packages KeyDesk builds and tests with, only those missing.

use crate::cmd::{run, Result};
use keydesk_testkit::{is_root, on_path};
use std::process::Command;

/// Needed to build and run KeyDesk (PC/SC for NFC readers, OpenSSL for the server's webauthn-rs,
/// D-Bus for the OS keyring through the Secret Service).
pub const BUILD: &[&str] = &["pkg-config", "libpcsclite-dev", "libssl-dev", "libdbus-1-dev", "pcscd"];

/// Needed by the tests: the vpcd virtual reader driver that presents the virtual key to pcscd
/// as a contactless card, PostgreSQL for the server's multi-instance database, and libudev for
/// the independent host (Mozilla's `authenticator`) the virtual key is tested against, and a
/// real Secret Service (gnome-keyring on its own D-Bus) for the keyring tests, Xvfb for the
/// screen-capture test, and Debian's aiosmtpd as the SMTP server email codes are delivered to.
pub const TEST: &[&str] = &["vsmartcard-vpcd", "postgresql", "libudev-dev", "dbus-daemon", "dbus-bin", "gnome-keyring", "xvfb", "python3-aiosmtpd"];

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// Installs whichever of `packages` are missing, with apt-get (through sudo when not root).
pub fn ensure(packages: &[&str]) -> Result {
    if !on_path("dpkg-query") || !on_path("apt-get") {
        return Err(format!(
            "this is not a Debian/Ubuntu system; install the equivalents of: {}",
            packages.join(" ")
        ));
    }
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing missing system packages: {}", missing.join(" "));
    let as_root = is_root();
    if !as_root && !on_path("sudo") {
        return Err(format!(
            "missing packages and no sudo: run as root `apt-get install {}`",
            missing.join(" ")
        ));
    }
    let apt = |args: &[&str]| {
        let mut command = if as_root { Command::new("apt-get") } else { sudo_apt() };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    run(&mut apt(&["update", "-q"]))?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(&missing);
    run(&mut install)
}

fn sudo_apt() -> Command {
    let mut command = Command::new("sudo");
    command.arg("apt-get");
    command
}

/// Python modules the tests use as independent implementations (e.g. `cryptography` decrypts
/// our Aegis exports), installed with pip when missing.
pub const TEST_PYTHON: &[(&str, &str)] = &[("cryptography", "cryptography")];

/// Installs whichever of `modules` (import name, PyPI name) python3 cannot import.
pub fn ensure_python(modules: &[(&str, &str)]) -> Result {
    if !on_path("python3") {
        ensure(&["python3", "python3-pip"])?;
    }
    let missing: Vec<&str> = modules
        .iter()
        .filter(|(module, _)| {
            !Command::new("python3")
                .args(["-c", &format!("import {module}")])
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
        })
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing missing Python packages: {}", missing.join(" "));
    let mut pip = Command::new("python3");
    pip.args(["-m", "pip", "install", "--quiet"]).args(&missing);
    if run(&mut pip).is_ok() {
        return Ok(());
    }
    // Debian's system Python refuses pip without this flag (PEP 668).
    let mut pip = Command::new("python3");
    pip.args(["-m", "pip", "install", "--quiet", "--break-system-packages"]).args(&missing);
    run(&mut pip)
}
