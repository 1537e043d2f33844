//! Debian's libfido2 tools as an independent host: list, info, make and verify a credential,
//! get and verify an assertion on a key without PIN; then set a PIN with `fido2-token -S` and
//! repeat with user verification (`-v`), the PIN fed on stdin.

use std::process::Command;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use keydesk_guest_test::report::{report, TestResult};
use keydesk_virtual_key::PresencePolicy;

use crate::served::ServedKey;

const RP: &str = "libfido2.example";
const PIN: &str = "5678";
/// The virtual key's AAGUID, "KeyDeskVirtual01", as fido2-token prints it.
const AAGUID_HEX: &str = "4b65794465736b5669727475616c3031";

fn tool(args: &[&str]) -> Result<String, String> {
    tool_with_input(args, "")
}

/// Runs a tool with `input` on stdin. The tools read a PIN with readpassphrase(3), which
/// falls back to stdin when there is no controlling terminal (as in the guest, where the
/// console never becomes one).
fn tool_with_input(args: &[&str], input: &str) -> Result<String, String> {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(args[0])
        .args(&args[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", args[0]))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A tool that asks for nothing may exit before reading: a broken pipe is fine.
        let _ = stdin.write_all(input.as_bytes());
    }
    let output = child.wait_with_output().map_err(|e| format!("waiting for {}: {e}", args[0]))?;
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
    report("libfido2_set_pin", (|| {
        tool_with_input(&["fido2-token", "-S", device], &format!("{PIN}\n{PIN}\n"))?;
        let info = tool(&["fido2-token", "-I", device])?;
        if info.contains("clientPin") && !info.contains("noclientPin") {
            Ok(())
        } else {
            Err(format!("clientPin not set after -S: {info}"))
        }
    })());
    report("libfido2_with_pin_uv_verified", (|| {
        // -v asks for user verification: the tools prompt for the PIN and -V checks the UV flag.
        let user_id = STANDARD.encode(b"pin-user");
        write("/tmp/cred_pin_param", &format!("{}\n{RP}\npin-user\n{user_id}\n", STANDARD.encode([0x33u8; 32])))?;
        tool_with_input(&["fido2-cred", "-M", "-v", "-i", "/tmp/cred_pin_param", "-o", "/tmp/cred_pin", device, "es256"], &format!("{PIN}\n"))?;
        tool(&["fido2-cred", "-V", "-v", "-i", "/tmp/cred_pin", "-o", "/tmp/cred_pin_verified", "es256"])?;
        let verified = read("/tmp/cred_pin_verified")?;
        let (credential_id, public_key) = verified.split_once('\n').ok_or("fido2-cred -V printed no key")?;
        write("/tmp/public_key_pin.pem", public_key)?;
        write("/tmp/assert_pin_param", &format!("{}\n{RP}\n{credential_id}\n", STANDARD.encode([0x44u8; 32])))?;
        tool_with_input(&["fido2-assert", "-G", "-v", "-i", "/tmp/assert_pin_param", "-o", "/tmp/assert_pin", device], &format!("{PIN}\n"))?;
        tool(&["fido2-assert", "-V", "-v", "-i", "/tmp/assert_pin", "/tmp/public_key_pin.pem", "es256"]).map(drop)
    })());
}
