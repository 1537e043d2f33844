//! Diagnostics screen: why a key may not show up, in plain words, with the fix.

use crate::commands::devices::current;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

/// The udev rules shipped in udev/ (granting the seated user access to FIDO hidraw devices).
pub const UDEV_RULES: &str = include_str!("../../../udev/70-keydesk-fido.rules");

/// The commands that install [`UDEV_RULES`] (udev/README.md).
pub const UDEV_INSTALL: [&str; 3] = [
    "sudo install -m 0644 70-keydesk-fido.rules /etc/udev/rules.d/",
    "sudo udevadm control --reload-rules",
    "sudo udevadm trigger --subsystem-match=hidraw",
];

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Check {
    /// `pcscd`, `usb_permission`, `nfc_cards`, `keyring`.
    pub id: String,
    pub title: String,
    pub ok: bool,
    /// What was found, in words.
    pub message: String,
    /// Commands that fix it (empty when fine).
    pub fix_commands: Vec<String>,
    /// A file to install for the fix (the udev rules), when there is one.
    pub fix_file: Option<FixFile>,
}

/// A file the fix installs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FixFile {
    pub name: String,
    pub contents: String,
}

/// Every check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Diagnostics {
    pub checks: Vec<Check>,
}

/// Whether the OS keyring (Secret Service, Keychain, Credential Manager) answers.
pub type KeyringProbe = fn() -> Result<(), String>;

/// Reads an entry that need not exist: "no entry" proves the keyring answers.
pub fn probe_keyring() -> Result<(), String> {
    let entry = keyring::Entry::new("keydesk", "diagnostics-probe").map_err(|e| e.to_string())?;
    match entry.get_password() {
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(error) => Err(error.to_string()),
    }
}

fn check(id: &str, title: &str, ok: bool, message: String) -> Check {
    Check { id: id.to_owned(), title: title.to_owned(), ok, message, fix_commands: vec![], fix_file: None }
}

/// Runs every check against the registry's scan and the keyring probe.
pub(crate) fn run_checks(state: &AppState, keyring: KeyringProbe) -> Diagnostics {
    let list = current(&state.registry);
    let problem = |kind: &str| list.problems.iter().filter(|p| p.kind == kind).map(|p| p.message.clone()).collect::<Vec<_>>();

    let pcscd = problem("pcscd_not_running");
    let mut pcscd_check = match pcscd.first() {
        Some(message) => check("pcscd", "Smart-card service (pcscd) for NFC readers", false, message.clone()),
        None => check("pcscd", "Smart-card service (pcscd) for NFC readers", true, "pcscd is running: NFC readers are visible.".into()),
    };
    if !pcscd_check.ok {
        pcscd_check.fix_commands = vec!["sudo systemctl enable --now pcscd.socket".into()];
    }

    let denied = problem("no_hidraw_permission");
    let mut usb = if denied.is_empty() {
        check("usb_permission", "Access to USB security keys", true, "Every USB security key found can be opened.".into())
    } else {
        check("usb_permission", "Access to USB security keys", false, denied.join(" "))
    };
    if !usb.ok {
        usb.fix_commands = UDEV_INSTALL.iter().map(|c| (*c).to_owned()).collect();
        usb.message.push_str(" After installing the rules below, unplug the key and plug it in again.");
        usb.fix_file = Some(FixFile { name: "70-keydesk-fido.rules".into(), contents: UDEV_RULES.into() });
    }

    let other_cards = problem("reader_without_fido_card");
    let cards = if other_cards.is_empty() {
        check("nfc_cards", "Cards on NFC readers", true, "No reader holds a card that is not a security key.".into())
    } else {
        check("nfc_cards", "Cards on NFC readers", false, other_cards.join(" "))
    };

    let keyring = match keyring() {
        Ok(()) => check("keyring", "OS keyring", true, "The OS keyring answers: the codes vault can keep its key there.".into()),
        Err(detail) => {
            let mut c = check("keyring", "OS keyring", false, format!("The OS keyring (Secret Service) is not available ({detail}). The codes vault still opens with its password; install and unlock a keyring (e.g. GNOME Keyring or KWallet) to unlock it without typing."));
            c.fix_commands = vec!["sudo apt install gnome-keyring".into()];
            c
        }
    };
    let mut checks = vec![pcscd_check, usb, cards, keyring];
    for failed in problem("scan_failed") {
        checks.push(check("scan", "Looking for keys", false, failed));
    }
    Diagnostics { checks }
}

/// Runs every check.
#[tauri::command(rename_all = "snake_case")]
pub async fn diagnostics(state: State<'_, AppState>) -> AppResult<Diagnostics> {
    let state = state.inner().clone();
    tauri::async_runtime::spawn_blocking(move || run_checks(&state, probe_keyring))
        .await
        .map_err(|e| AppError::internal(e.to_string()))
}

/// This module's TypeScript bindings.
pub(crate) const BINDINGS: &[crate::bindings::Declare] = &[
    crate::bindings::declare::<Check>,
    crate::bindings::declare::<FixFile>,
    crate::bindings::declare::<Diagnostics>,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;
    use crate::state::Options;
    use keydesk_transport::discovery::{Inventory, Problem};
    use std::sync::Arc;

    fn state_with(problems: Vec<Problem>) -> AppState {
        let scanner: crate::registry::Scanner = Arc::new(move || Inventory { devices: vec![], problems: problems.clone() });
        AppState::new(Registry::with_scanner(None, scanner), Options::default())
    }

    fn find<'a>(report: &'a Diagnostics, id: &str) -> &'a Check {
        report.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no {id} check in {report:?}"))
    }

    #[test]
    fn a_denied_hidraw_node_gets_the_udev_rules_and_how_to_install_them() {
        let report = run_checks(&state_with(vec![Problem::NoHidrawPermission { path: "/dev/hidraw3".into() }]), || Ok(()));
        let usb = find(&report, "usb_permission");
        assert!(!usb.ok);
        assert!(usb.message.contains("/dev/hidraw3") && usb.message.contains("unplug the key and plug it in again"), "{usb:?}");
        assert_eq!(usb.fix_commands, UDEV_INSTALL);
        let file = usb.fix_file.as_ref().unwrap_or_else(|| panic!("no rules file"));
        assert_eq!(file.name, "70-keydesk-fido.rules");
        assert!(file.contents.contains(r#"ENV{ID_FIDO_TOKEN}=="1", TAG+="uaccess""#), "{}", file.contents);
        assert!(find(&report, "pcscd").ok, "pcscd runs when it is not reported");
        assert!(find(&report, "keyring").ok);
    }

    #[test]
    fn pcscd_not_running_and_a_missing_keyring_say_what_to_do() {
        let report = run_checks(&state_with(vec![Problem::PcscdNotRunning]), || Err("no D-Bus session".into()));
        let pcscd = find(&report, "pcscd");
        assert!(!pcscd.ok);
        assert_eq!(pcscd.fix_commands, ["sudo systemctl enable --now pcscd.socket"]);
        let keyring = find(&report, "keyring");
        assert!(!keyring.ok);
        assert!(keyring.message.contains("no D-Bus session") && keyring.message.contains("still opens with its password"), "{keyring:?}");
        assert_eq!(keyring.fix_commands, ["sudo apt install gnome-keyring"]);
        assert!(find(&report, "usb_permission").ok);
    }

    #[test]
    fn a_card_that_is_not_a_security_key_and_a_failed_scan_are_reported() {
        let problems = vec![
            Problem::ReaderWithoutFidoCard { reader: "ACS ACR122U 00 00".into() },
            Problem::ScanFailed { transport: keydesk_transport::TransportKind::Usb, detail: "sysfs unreadable".into() },
        ];
        let report = run_checks(&state_with(problems), || Ok(()));
        assert!(!find(&report, "nfc_cards").ok);
        assert!(find(&report, "nfc_cards").message.contains("ACS ACR122U 00 00"));
        assert!(find(&report, "scan").message.contains("sysfs unreadable"));
    }
}
