//! `keydesk devices`: every connected authenticator, "this computer" included, and the
//! problems hiding others.
//!
//! JSON shape (`--json`):
//! ```json
//! { "devices": [ { "id": "nfc:Virtual PCD 00 00", "transport": "nfc",
//!                  "product": "Virtual PCD 00 00", "simulated": true },
//!                { "id": "platform:this-computer", "transport": "internal",
//!                  "product": "This computer", "simulated": false } ],
//!   "problems": [ { "kind": "pcscd-not-running", "message": "pcscd is not running, ..." },
//!                 { "kind": "this-computer", "message": "This computer is unavailable: the login keyring is locked, ..." } ] }
//! ```
//! `id` is stable between runs and is what `--device` takes. Without `--device`, key commands
//! use the only security key connected; this computer is used only when named.

use crate::output::print_json;
use keydesk_platform_authenticator::{is_this_computer, scan_all, DEVICE_ID};
use keydesk_transport::discovery::{scan, Inventory, Problem};
use keydesk_transport::{DeviceDescriptor, DeviceId, TransportKind};
use serde::Serialize;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON instead of sentences.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
pub struct DeviceJson {
    pub id: String,
    pub transport: &'static str,
    pub product: String,
    pub simulated: bool,
}

impl From<&DeviceDescriptor> for DeviceJson {
    fn from(device: &DeviceDescriptor) -> Self {
        Self {
            id: device.id.0.clone(),
            transport: device.transport.webauthn_name(),
            product: device.product.clone(),
            simulated: device.simulated,
        }
    }
}

#[derive(Debug, Serialize)]
struct ProblemJson {
    kind: &'static str,
    message: String,
}

fn problem_kind(problem: &Problem) -> &'static str {
    match problem {
        Problem::ScanFailed { transport: TransportKind::Internal, .. } => "this-computer",
        Problem::PcscdNotRunning => "pcscd-not-running",
        Problem::NoHidrawPermission { .. } => "no-hidraw-permission",
        Problem::ReaderWithoutFidoCard { .. } => "reader-without-fido-card",
        _ => "scan-failed",
    }
}

/// The problem in words; this computer's says what it is about.
fn problem_message(problem: &Problem) -> String {
    match problem {
        Problem::ScanFailed { transport: TransportKind::Internal, detail } => format!("This computer is unavailable: {detail}"),
        other => other.to_string(),
    }
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let inventory = scan_all();
    if args.json {
        return print_json(&serde_json::json!({
            "devices": inventory.devices.iter().map(DeviceJson::from).collect::<Vec<_>>(),
            "problems": inventory.problems.iter()
                .map(|p| ProblemJson { kind: problem_kind(p), message: problem_message(p) })
                .collect::<Vec<_>>(),
        }));
    }
    if inventory.devices.is_empty() {
        println!("No security key found. Plug one in, or put it on an NFC reader.");
    }
    for device in &inventory.devices {
        if is_this_computer(&device.id) {
            println!("{}  {} (passkeys kept on this computer, protected by its own PIN)", device.id, device.product);
            continue;
        }
        let simulated = if device.simulated { " (simulated)" } else { "" };
        let product = if device.product.is_empty() { "security key" } else { device.product.as_str() };
        println!("{}  {} over {}{simulated}", device.id, product, device.transport.webauthn_name().to_uppercase());
    }
    for problem in &inventory.problems {
        println!("Note: {}", problem_message(problem));
    }
    Ok(())
}

/// The device `--device` names, or the only security key connected (this computer is chosen
/// only by name, so a command never acts on it by surprise).
pub fn choose(requested: Option<&str>) -> anyhow::Result<DeviceId> {
    if let Some(id) = requested {
        return Ok(DeviceId(id.to_string()));
    }
    let Inventory { devices, problems } = scan();
    match devices.as_slice() {
        [only] => Ok(only.id.clone()),
        [] => {
            let hints: Vec<String> = problems.iter().map(ToString::to_string).collect();
            if hints.is_empty() {
                anyhow::bail!(
                    "no security key found: plug one in or put it on an NFC reader (for this computer's own passkeys, add --device {DEVICE_ID})"
                )
            }
            anyhow::bail!("no security key found. {}", hints.join(". "))
        }
        several => {
            let ids: Vec<&str> = several.iter().map(|d| d.id.0.as_str()).collect();
            anyhow::bail!("several security keys are connected; choose one with --device: {}", ids.join(", "))
        }
    }
}
