//! ctap-hid-fido2 (a Rust CTAP host by others, over hidapi's C hidraw backend) as a second
//! independent host: the peer binary runs its steps and prints `ok <step>` for each.

use std::process::Command;

use keydesk_guest_test::report::report;
use keydesk_virtual_key::PresencePolicy;

use crate::served::ServedKey;

/// Guest test name -> the peer's steps it needs.
const TESTS: &[(&str, &[&str])] = &[
    ("ctap_hid_fido2_find", &["find", "open"]),
    ("ctap_hid_fido2_info", &["info", "info_versions"]),
    ("ctap_hid_fido2_set_pin", &["set_pin", "pin_retries"]),
    ("ctap_hid_fido2_make_credential", &["make_credential", "make_credential_verified"]),
    ("ctap_hid_fido2_get_assertion", &["get_assertion", "get_assertion_signed"]),
    ("ctap_hid_fido2_list_credentials", &["list_rps", "list_rps_contains", "list_credentials", "list_credentials_contains"]),
];

pub fn run() {
    let output = ServedKey::start(PresencePolicy::ApproveAll).and_then(|served| {
        let output = Command::new("/bin/peer-ctap-hid-fido2").output().map_err(|e| format!("cannot run the peer: {e}"));
        drop(served);
        output
    });
    let (stdout, stderr) = match &output {
        Ok(out) => (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned()),
        Err(why) => (String::new(), why.clone()),
    };
    let failure = stdout.lines().find(|l| l.starts_with("failed ")).map(str::to_owned);
    for (name, steps) in TESTS {
        let missing: Vec<&str> = steps.iter().copied().filter(|step| !stdout.lines().any(|l| l == format!("ok {step}"))).collect();
        report(
            name,
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!("steps {missing:?} not ok; {} {}", failure.as_deref().unwrap_or("no failure line"), stderr.trim()))
            },
        );
    }
}
