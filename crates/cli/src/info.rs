//! `keydesk info`: what a key supports, from authenticatorGetInfo (CTAP 2.1 §6.4).
//!
//! JSON shape (`--json`): the device (as in `keydesk devices`) plus
//! ```json
//! { "device": {...}, "versions": ["FIDO_2_0", "FIDO_2_1"], "aaguid": "xxxxxxxx-xxxx-...",
//!   "options": { "rk": true, "clientPin": false, ... }, "extensions": ["credProtect", ...],
//!   "pin_uv_auth_protocols": [2, 1], "max_msg_size": 1200, "transports": ["nfc", "usb"],
//!   "algorithms": [-7, -8], "min_pin_length": 4, "force_pin_change": false,
//!   "remaining_discoverable_credentials": 25, "firmware_version": 1 }
//! ```
//! Members the key does not report are `null`.

use crate::devices::{choose, DeviceJson};
use crate::output::print_json;
use anyhow::Context;
use keydesk_ctap::commands::{GetInfoRequest, GetInfoResponse};
use keydesk_ctap::{CommandRequest, CommandResponse};
use keydesk_transport::{Message, NoWatch};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The key to ask (an ID from `keydesk devices`); optional when only one is connected.
    #[arg(long)]
    device: Option<String>,
    /// Print JSON instead of sentences.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct InfoJson {
    device: DeviceJson,
    versions: Vec<String>,
    aaguid: String,
    options: BTreeMap<String, bool>,
    extensions: Vec<String>,
    pin_uv_auth_protocols: Vec<u32>,
    max_msg_size: Option<u32>,
    transports: Vec<String>,
    algorithms: Vec<i64>,
    min_pin_length: Option<u32>,
    force_pin_change: Option<bool>,
    remaining_discoverable_credentials: Option<u32>,
    firmware_version: Option<u64>,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let id = choose(args.device.as_deref())?;
    let mut device = keydesk_platform_authenticator::open_any(&id)?;
    let response = device
        .transact(Message::Ctap2(&GetInfoRequest.encode()), &mut NoWatch)
        .with_context(|| format!("asking {id} for its information"))?;
    let info = GetInfoResponse::decode(&response).with_context(|| format!("{id} sent an invalid getInfo response"))?;
    let json = InfoJson {
        device: DeviceJson::from(device.descriptor()),
        versions: info.versions.clone(),
        aaguid: format_uuid(&info.aaguid),
        options: info.options.clone().unwrap_or_default(),
        extensions: info.extensions.clone().unwrap_or_default(),
        pin_uv_auth_protocols: info.pin_uv_auth_protocols.clone().unwrap_or_default(),
        max_msg_size: info.max_msg_size,
        transports: info.transports.clone().unwrap_or_default(),
        algorithms: info.algorithms.iter().flatten().map(|a| a.alg).collect(),
        min_pin_length: info.min_pin_length,
        force_pin_change: info.force_pin_change,
        remaining_discoverable_credentials: info.remaining_discoverable_credentials,
        firmware_version: info.firmware_version,
    };
    if args.json {
        return print_json(&json);
    }
    print_sentences(&json);
    Ok(())
}

fn print_sentences(info: &InfoJson) {
    let simulated = if info.device.simulated { " (simulated)" } else { "" };
    println!("Device:        {}{simulated}", info.device.id);
    println!("Versions:      {}", info.versions.join(", "));
    println!("AAGUID:        {}", info.aaguid);
    let options: Vec<String> = info.options.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("Options:       {}", options.join(", "));
    println!("Extensions:    {}", info.extensions.join(", "));
    let protocols: Vec<String> = info.pin_uv_auth_protocols.iter().map(u32::to_string).collect();
    println!("PIN protocols: {}", protocols.join(", "));
    let pin = match info.options.get("clientPin") {
        Some(true) => "set",
        Some(false) => "not set",
        None => "not supported",
    };
    println!("PIN:           {pin}");
    if let Some(length) = info.min_pin_length {
        println!("Min PIN length: {length}");
    }
    if let Some(size) = info.max_msg_size {
        println!("Max message:   {size} bytes");
    }
    if !info.transports.is_empty() {
        println!("Transports:    {}", info.transports.join(", "));
    }
    if let Some(remaining) = info.remaining_discoverable_credentials {
        println!("Passkey slots left: {remaining}");
    }
}

/// RFC 4122 text form of the 16-byte AAGUID.
fn format_uuid(bytes: &[u8; 16]) -> String {
    let hex = hex::encode(bytes);
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}
