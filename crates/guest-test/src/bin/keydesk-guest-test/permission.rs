//! Issue 2's "no permission on /dev/hidraw*" diagnostic on a real hidraw node. The guest runs as
//! root, which bypasses file permissions, so the scan runs in a child process of this binary
//! started as the unprivileged user `nobody` (busybox `su`; the harness writes its /etc/passwd
//! entry). With the virtual key's node root-only (0600) the scan must report exactly
//! `Problem::NoHidrawPermission` for that node, pointing to udev/, and must not list the key;
//! the control: with the node opened to everyone (0666) the same scan lists the key and reports
//! nothing.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::Command;

use keydesk_guest_test::report::{report, TestResult};
use keydesk_transport::discovery::{scan, Problem};
use keydesk_virtual_key::PresencePolicy;

use crate::served::ServedKey;

pub const NAME: &str = "ours_discovery_no_hidraw_permission";
/// The argument that makes this binary print one discovery scan instead of running the tests.
pub const SCAN_COMMAND: &str = "discovery-scan";
const UNPRIVILEGED_USER: &str = "nobody";
/// `nobody`'s uid in the harness's /etc/passwd.
const UNPRIVILEGED_UID: &str = "65534";

/// The child's side: one scan, printed as `uid`, `device` and `problem`/`problem-text` lines.
pub fn print_scan() {
    // /proc/self belongs to the process's effective uid.
    let uid = std::fs::metadata("/proc/self").map_or_else(|e| format!("unknown ({e})"), |m| m.uid().to_string());
    println!("uid {uid}");
    let inventory = scan();
    for device in &inventory.devices {
        println!("device {}", device.id.0);
    }
    for problem in &inventory.problems {
        println!("problem {problem:?}");
        println!("problem-text {problem}");
    }
}

/// What the unprivileged child printed.
#[derive(Debug, Default)]
struct Scan {
    uid: String,
    devices: Vec<String>,
    problems: Vec<String>,
    texts: Vec<String>,
}

fn scan_as_unprivileged_user() -> Result<Scan, String> {
    let command = format!("/bin/keydesk-guest-test {SCAN_COMMAND}");
    let output = Command::new("su")
        .args([UNPRIVILEGED_USER, "-c", &command])
        .output()
        .map_err(|e| format!("cannot run su: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!("su {UNPRIVILEGED_USER} -c '{command}' failed ({}): {stdout} {}", output.status, String::from_utf8_lossy(&output.stderr)));
    }
    let mut scan = Scan::default();
    for line in stdout.lines() {
        if let Some(uid) = line.strip_prefix("uid ") {
            uid.clone_into(&mut scan.uid);
        } else if let Some(device) = line.strip_prefix("device ") {
            scan.devices.push(device.to_owned());
        } else if let Some(text) = line.strip_prefix("problem-text ") {
            scan.texts.push(text.to_owned());
        } else if let Some(problem) = line.strip_prefix("problem ") {
            scan.problems.push(problem.to_owned());
        }
    }
    if scan.uid != UNPRIVILEGED_UID {
        return Err(format!("the scan ran as uid {:?}, not {UNPRIVILEGED_USER} ({UNPRIVILEGED_UID}): {stdout}", scan.uid));
    }
    Ok(scan)
}

fn set_mode(path: &str, mode: u32) -> TestResult {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| format!("chmod {mode:o} {path}: {e}"))?;
    let metadata = std::fs::metadata(path).map_err(|e| format!("stat {path}: {e}"))?;
    let (actual, owner) = (metadata.mode() & 0o777, metadata.uid());
    if actual == mode && owner == 0 {
        Ok(())
    } else {
        Err(format!("{path} has mode {actual:o} owner {owner}, expected {mode:o} owner root"))
    }
}

fn check(condition: bool, why: impl FnOnce() -> String) -> TestResult {
    if condition {
        Ok(())
    } else {
        Err(why())
    }
}

fn no_permission_then_control() -> TestResult {
    let served = ServedKey::start(PresencePolicy::ApproveAll)?;
    let candidate = served.candidate()?;
    let path = candidate.path.to_string_lossy().into_owned();
    let id = candidate.descriptor.id.0;

    set_mode(&path, 0o600)?;
    let denied = scan_as_unprivileged_user()?;
    for text in &denied.texts {
        println!("INFO {NAME}: {path} 0600 root, scan as uid {}: {text}", denied.uid);
    }
    let expected = format!("{:?}", Problem::NoHidrawPermission { path: path.clone() });
    check(denied.problems == [expected.as_str()], || format!("with {path} at 0600 the problems were {:?}, expected [{expected}]", denied.problems))?;
    check(denied.texts.iter().all(|t| t.contains(&path) && t.contains("udev/README.md")), || {
        format!("the problem text does not name {path} and point to udev/README.md: {:?}", denied.texts)
    })?;
    check(denied.devices.is_empty(), || format!("the key was listed although it cannot be opened: {:?}", denied.devices))?;

    set_mode(&path, 0o666)?;
    let allowed = scan_as_unprivileged_user()?;
    println!("INFO {NAME}: {path} 0666, scan as uid {}: devices {:?}, problems {:?}", allowed.uid, allowed.devices, allowed.problems);
    check(allowed.devices == [id.as_str()], || format!("with {path} at 0666 the devices were {:?}, expected [{id}]", allowed.devices))?;
    check(allowed.problems.is_empty(), || format!("with {path} at 0666 problems remained: {:?}", allowed.problems))
}

pub fn run() {
    report(NAME, no_permission_then_control());
}
