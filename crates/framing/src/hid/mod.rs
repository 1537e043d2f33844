//! CTAPHID: CTAP over USB HID (CTAP 2.1 §11.2).
//!
//! * [`packet`]: report layout, commands, error codes, fragmentation, report-ID helpers;
//! * [`host`]: the host (client platform) side;
//! * [`device`]: the authenticator side.

pub mod device;
pub mod host;
pub mod packet;

pub use device::{Capabilities, DeviceConfig, DeviceError, DeviceEvent, DeviceVersion, HidDevice, HidRequest, TransactionId};
pub use host::{HidHost, HostError, HostEvent, InitInfo, ReportOutcome};
pub use packet::{
    fragment_message, max_payload_len, report_id, HidCommand, HidErrorCode, Packet, PacketError, PayloadTooLong,
    ReportLen, BROADCAST_CID, DEFAULT_REPORT_LEN, MAX_PAYLOAD_LEN,
};
