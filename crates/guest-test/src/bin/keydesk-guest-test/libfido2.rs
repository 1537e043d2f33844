//! Debian's libfido2 tools as an independent host: list, info, make and verify a credential,
//! get and verify an assertion. The key has no PIN here (the tools read a PIN only from a tty).

use std::process::Command;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use keydesk_virtual_key::PresencePolicy;

use crate::served::ServedKey;
use crate::{report, TestResult};

const RP: &str = "libfido2.example";
/// The virtual key's AAGUID, "KeyDeskVirtual01", as fido2-token prints it.
const AAGUID_HEX: &str = "4b65794465736b5669727475616c3031";

fn tool(args: &[&str]) -> Result<String, String> {
    let output = Command::new(args[0]).args(&args[1..]).output().map_err(|e| format!("cannot run {}: {e}", args[0]))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        Ok(stdout)
    } else {
        Err(format!("{} failed ({}): {stdout} {}", args.join(" "), output.status, String::from_utf8_lossy(&output.stderr)))
    }
}

fn write(path: &str, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("writing {path}: {e}"))
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))
}

pub fn run() {
    let served = match ServedKey::start(PresencePolicy::ApproveAll).and_then(|s| s.hidraw_path().map(|p| (s, p))) {
        Ok(found) => found,
        Err(why) => {
            report("libfido2_token_list", Err(why));
            return;
        }
    };
    let (_served, device) = served;
    let device = device.as_str();
    report("libfido2_token_list", (|| {
        let listed = tool(&["fido2-token", "-L"])?;
        if listed.lines().any(|line| line.starts_with(&format!("{device}:"))) {
            Ok(())
        } else {
            Err(format!("{device} not in: {listed}"))
        }
    })());
    report("libfido2_token_info", (|| {
        let info = tool(&["fido2-token", "-I", device])?;
        let aaguid_ok = info.contains(AAGUID_HEX);
        if info.contains("FIDO_2_1") && aaguid_ok {
            Ok(())
        } else {
            Err(format!("unexpected info: {info}"))
        }
    })());
    let made = (|| -> TestResult {
        let client_data_hash = STANDARD.encode([0x11u8; 32]);
        let user_id = STANDARD.encode(b"fido2-user");
        write("/tmp/cred_param", &format!("{client_data_hash}\n{RP}\nfido2-user\n{user_id}\n"))?;
        tool(&["fido2-cred", "-M", "-i", "/tmp/cred_param", "-o", "/tmp/cred", device, "es256"])?;
        tool(&["fido2-cred", "-V", "-i", "/tmp/cred", "-o", "/tmp/cred_verified", "es256"])?;
        let verified = read("/tmp/cred_verified")?;
        let (credential_id, public_key) = verified.split_once('\n').ok_or("fido2-cred -V printed no key")?;
        if !public_key.contains("BEGIN PUBLIC KEY") {
            return Err(format!("fido2-cred -V output: {verified}"));
        }
        write("/tmp/credential_id", credential_id)?;
        write("/tmp/public_key.pem", public_key)
    })();
    report("libfido2_cred_make_verify", made.clone());
    report("libfido2_assert_get_verify", made.and_then(|()| {
        let client_data_hash = STANDARD.encode([0x22u8; 32]);
        let credential_id = read("/tmp/credential_id")?;
        write("/tmp/assert_param", &format!("{client_data_hash}\n{RP}\n{credential_id}\n"))?;
        tool(&["fido2-assert", "-G", "-i", "/tmp/assert_param", "-o", "/tmp/assert", device])?;
        tool(&["fido2-assert", "-V", "-i", "/tmp/assert", "/tmp/public_key.pem", "es256"]).map(drop)
    }));
}
