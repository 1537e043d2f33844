//! `struct uhid_event` of `linux/uhid.h`, written and read as bytes.
//!
//! The kernel struct is packed and in native byte order: a `u32` type followed by a union whose
//! largest member (`uhid_create2_req`) makes every event [`EVENT_SIZE`] bytes. Every event is
//! written at full size (the kernel zero-fills short writes anyway) and read at full size (the
//! kernel returns one whole event per `read`).

use thiserror::Error;

/// `UHID_DATA_MAX` and `HID_MAX_DESCRIPTOR_SIZE`.
pub const DATA_MAX: usize = 4096;
/// `sizeof(struct uhid_create2_req)`: name 128, phys 64, uniq 64, rd_size, bus, vendor,
/// product, version, country, rd_data.
const CREATE2_SIZE: usize = 128 + 64 + 64 + 2 + 2 + 4 * 4 + DATA_MAX;
/// `sizeof(struct uhid_event)`: the type and the largest union member.
pub const EVENT_SIZE: usize = 4 + CREATE2_SIZE;

// enum uhid_event_type
const UHID_DESTROY: u32 = 1;
const UHID_START: u32 = 2;
const UHID_STOP: u32 = 3;
const UHID_OPEN: u32 = 4;
const UHID_CLOSE: u32 = 5;
const UHID_OUTPUT: u32 = 6;
const UHID_GET_REPORT: u32 = 9;
const UHID_GET_REPORT_REPLY: u32 = 10;
const UHID_CREATE2: u32 = 11;
const UHID_INPUT2: u32 = 12;
const UHID_SET_REPORT: u32 = 13;
const UHID_SET_REPORT_REPLY: u32 = 14;

/// `enum uhid_report_type`: the kind of report an event carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportType {
    Feature,
    Output,
    Input,
    /// A value the header does not define.
    Other(u8),
}

impl ReportType {
    fn from_byte(byte: u8) -> Self {
        match byte {
            0 => Self::Feature,
            1 => Self::Output,
            2 => Self::Input,
            other => Self::Other(other),
        }
    }
}

/// `BUS_USB` of `linux/input.h`: hosts treat the device as a USB key.
pub const BUS_USB: u16 = 0x03;

/// What `UHID_CREATE2` tells the kernel about the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceIdentity {
    /// Product name (at most 127 bytes are sent).
    pub name: String,
    /// Physical location string, e.g. `keydesk-uhid`.
    pub phys: String,
    /// Unique ID (serial number) string.
    pub uniq: String,
    pub bus: u16,
    pub vendor: u32,
    pub product: u32,
    pub version: u32,
}

impl Default for DeviceIdentity {
    fn default() -> Self {
        Self {
            name: "KeyDesk virtual key".to_owned(),
            phys: "keydesk-uhid".to_owned(),
            uniq: String::new(),
            bus: BUS_USB,
            // pid.codes test VID/PID: never claimed by a real product.
            vendor: 0x1209,
            product: 0x0001,
            version: 1,
        }
    }
}

/// An event the kernel sends to the device process.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KernelEvent {
    /// The HID core bound a driver (`UHID_START`).
    Start,
    /// The driver was unbound, e.g. after `UHID_DESTROY` (`UHID_STOP`).
    Stop,
    /// Some process opened the device (`UHID_OPEN`).
    Open,
    /// The last process closed it (`UHID_CLOSE`).
    Close,
    /// A report written by a host (`UHID_OUTPUT`), report-ID byte included.
    Output { data: Vec<u8>, report_type: ReportType },
    /// A host asked for a report (`UHID_GET_REPORT`): must be answered.
    GetReport { id: u32, report_number: u8, report_type: ReportType },
    /// A host set a report (`UHID_SET_REPORT`): must be answered.
    SetReport { id: u32, report_number: u8, report_type: ReportType },
    /// An event type this crate does not use (legacy or future).
    Other(u32),
}

/// A kernel event that does not fit the layout of `linux/uhid.h`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EventError {
    #[error("uhid event is {0} bytes, shorter than its fields")]
    Truncated(usize),
    #[error("uhid {event} claims {size} data bytes, more than UHID_DATA_MAX ({DATA_MAX})")]
    SizeTooLarge { event: &'static str, size: usize },
}

fn u16_at(bytes: &[u8], offset: usize) -> Result<u16, EventError> {
    bytes
        .get(offset..offset + 2)
        .and_then(|b| b.try_into().ok())
        .map(u16::from_ne_bytes)
        .ok_or(EventError::Truncated(bytes.len()))
}

fn u32_at(bytes: &[u8], offset: usize) -> Result<u32, EventError> {
    bytes
        .get(offset..offset + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_ne_bytes)
        .ok_or(EventError::Truncated(bytes.len()))
}

fn u8_at(bytes: &[u8], offset: usize) -> Result<u8, EventError> {
    bytes.get(offset).copied().ok_or(EventError::Truncated(bytes.len()))
}

impl KernelEvent {
    /// Decodes one event as read from `/dev/uhid`.
    pub fn decode(bytes: &[u8]) -> Result<Self, EventError> {
        const U: usize = 4; // the union starts after the type
        Ok(match u32_at(bytes, 0)? {
            UHID_START => Self::Start,
            UHID_STOP => Self::Stop,
            UHID_OPEN => Self::Open,
            UHID_CLOSE => Self::Close,
            UHID_OUTPUT => {
                // struct uhid_output_req { __u8 data[UHID_DATA_MAX]; __u16 size; __u8 rtype; }
                let size = usize::from(u16_at(bytes, U + DATA_MAX)?);
                if size > DATA_MAX {
                    return Err(EventError::SizeTooLarge { event: "UHID_OUTPUT", size });
                }
                let data = bytes.get(U..U + size).ok_or(EventError::Truncated(bytes.len()))?.to_vec();
                Self::Output { data, report_type: ReportType::from_byte(u8_at(bytes, U + DATA_MAX + 2)?) }
            }
            // struct uhid_get_report_req { __u32 id; __u8 rnum; __u8 rtype; }
            UHID_GET_REPORT => Self::GetReport {
                id: u32_at(bytes, U)?,
                report_number: u8_at(bytes, U + 4)?,
                report_type: ReportType::from_byte(u8_at(bytes, U + 5)?),
            },
            // struct uhid_set_report_req { __u32 id; __u8 rnum; __u8 rtype; __u16 size; data }
            UHID_SET_REPORT => Self::SetReport {
                id: u32_at(bytes, U)?,
                report_number: u8_at(bytes, U + 4)?,
                report_type: ReportType::from_byte(u8_at(bytes, U + 5)?),
            },
            other => Self::Other(other),
        })
    }
}

/// An event the device process writes to the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceEvent<'a> {
    /// `UHID_CREATE2`: plug the device in.
    Create { identity: &'a DeviceIdentity, report_descriptor: &'a [u8] },
    /// `UHID_INPUT2`: one input report to every host reading the device.
    Input(&'a [u8]),
    /// `UHID_DESTROY`: unplug the device.
    Destroy,
    /// `UHID_GET_REPORT_REPLY` with an errno (0 = success, with `data`).
    GetReportReply { id: u32, errno: u16, data: &'a [u8] },
    /// `UHID_SET_REPORT_REPLY` with an errno.
    SetReportReply { id: u32, errno: u16 },
}

/// A device event that cannot be expressed in `struct uhid_event`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    #[error("{what} is {len} bytes, the limit is {max}")]
    TooLong { what: &'static str, len: usize, max: usize },
    #[error("a report descriptor must not be empty")]
    EmptyDescriptor,
}

fn put(out: &mut [u8], offset: usize, bytes: &[u8], what: &'static str, max: usize) -> Result<(), EncodeError> {
    if bytes.len() > max {
        return Err(EncodeError::TooLong { what, len: bytes.len(), max });
    }
    // In bounds: every caller's offset + max lies within EVENT_SIZE.
    if let Some(slot) = out.get_mut(offset..offset + bytes.len()) {
        slot.copy_from_slice(bytes);
    }
    Ok(())
}

fn data_len(len: usize, what: &'static str) -> Result<u16, EncodeError> {
    if len > DATA_MAX {
        return Err(EncodeError::TooLong { what, len, max: DATA_MAX });
    }
    u16::try_from(len).map_err(|_| EncodeError::TooLong { what, len, max: DATA_MAX })
}

impl DeviceEvent<'_> {
    /// The event as the [`EVENT_SIZE`] bytes to write to `/dev/uhid`.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        const U: usize = 4;
        let mut out = vec![0u8; EVENT_SIZE];
        let kind = match self {
            Self::Create { identity, report_descriptor } => {
                if report_descriptor.is_empty() {
                    return Err(EncodeError::EmptyDescriptor);
                }
                // Strings are NUL-terminated inside fixed arrays: keep one byte for the NUL.
                put(&mut out, U, identity.name.as_bytes(), "device name", 127)?;
                put(&mut out, U + 128, identity.phys.as_bytes(), "phys string", 63)?;
                put(&mut out, U + 192, identity.uniq.as_bytes(), "uniq string", 63)?;
                let fields = U + 256;
                let rd_size = data_len(report_descriptor.len(), "report descriptor")?;
                put(&mut out, fields, &rd_size.to_ne_bytes(), "rd_size", 2)?;
                put(&mut out, fields + 2, &identity.bus.to_ne_bytes(), "bus", 2)?;
                put(&mut out, fields + 4, &identity.vendor.to_ne_bytes(), "vendor", 4)?;
                put(&mut out, fields + 8, &identity.product.to_ne_bytes(), "product", 4)?;
                put(&mut out, fields + 12, &identity.version.to_ne_bytes(), "version", 4)?;
                // country (fields + 16) stays 0: not localized.
                put(&mut out, fields + 20, report_descriptor, "report descriptor", DATA_MAX)?;
                UHID_CREATE2
            }
            Self::Input(report) => {
                // struct uhid_input2_req { __u16 size; __u8 data[UHID_DATA_MAX]; }
                let size = data_len(report.len(), "input report")?;
                put(&mut out, U, &size.to_ne_bytes(), "size", 2)?;
                put(&mut out, U + 2, report, "input report", DATA_MAX)?;
                UHID_INPUT2
            }
            Self::Destroy => UHID_DESTROY,
            Self::GetReportReply { id, errno, data } => {
                // struct uhid_get_report_reply_req { __u32 id; __u16 err; __u16 size; data }
                let size = data_len(data.len(), "feature report")?;
                put(&mut out, U, &id.to_ne_bytes(), "id", 4)?;
                put(&mut out, U + 4, &errno.to_ne_bytes(), "err", 2)?;
                put(&mut out, U + 6, &size.to_ne_bytes(), "size", 2)?;
                put(&mut out, U + 8, data, "feature report", DATA_MAX)?;
                UHID_GET_REPORT_REPLY
            }
            Self::SetReportReply { id, errno } => {
                // struct uhid_set_report_reply_req { __u32 id; __u16 err; }
                put(&mut out, U, &id.to_ne_bytes(), "id", 4)?;
                put(&mut out, U + 4, &errno.to_ne_bytes(), "err", 2)?;
                UHID_SET_REPORT_REPLY
            }
        };
        put(&mut out, 0, &kind.to_ne_bytes(), "type", 4)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_size_matches_the_kernel_struct() {
        // sizeof(struct uhid_event) on Linux (packed): 4 + 4372.
        assert_eq!(EVENT_SIZE, 4376);
    }

    #[test]
    fn create2_puts_every_field_at_its_offset() -> Result<(), EncodeError> {
        let identity = DeviceIdentity { uniq: "42".into(), ..DeviceIdentity::default() };
        let bytes = DeviceEvent::Create { identity: &identity, report_descriptor: &[0x06, 0xd0, 0xf1] }.encode()?;
        assert_eq!(bytes.len(), EVENT_SIZE);
        assert_eq!(bytes[..4], 11u32.to_ne_bytes());
        assert_eq!(&bytes[4..4 + 19], b"KeyDesk virtual key");
        assert_eq!(bytes[4 + 19], 0);
        assert_eq!(&bytes[4 + 128..4 + 128 + 12], b"keydesk-uhid");
        assert_eq!(&bytes[4 + 192..4 + 194], b"42");
        assert_eq!(bytes[260..262], 3u16.to_ne_bytes(), "rd_size");
        assert_eq!(bytes[262..264], BUS_USB.to_ne_bytes());
        assert_eq!(bytes[264..268], 0x1209u32.to_ne_bytes());
        assert_eq!(bytes[268..272], 1u32.to_ne_bytes());
        assert_eq!(bytes[272..276], 1u32.to_ne_bytes(), "version");
        assert_eq!(bytes[276..280], [0; 4], "country");
        assert_eq!(bytes[280..283], [0x06, 0xd0, 0xf1]);
        Ok(())
    }

    #[test]
    fn input2_carries_size_then_data() -> Result<(), EncodeError> {
        let bytes = DeviceEvent::Input(&[7; 64]).encode()?;
        assert_eq!(bytes[..4], 12u32.to_ne_bytes());
        assert_eq!(bytes[4..6], 64u16.to_ne_bytes());
        assert_eq!(bytes[6..70], [7; 64]);
        assert_eq!(bytes[70], 0);
        Ok(())
    }

    #[test]
    fn oversized_fields_are_refused() {
        let identity = DeviceIdentity { name: "n".repeat(128), ..DeviceIdentity::default() };
        assert!(matches!(
            DeviceEvent::Create { identity: &identity, report_descriptor: &[1] }.encode(),
            Err(EncodeError::TooLong { what: "device name", .. })
        ));
        assert!(matches!(
            DeviceEvent::Input(&[0; DATA_MAX + 1]).encode(),
            Err(EncodeError::TooLong { what: "input report", .. })
        ));
        let ok = DeviceIdentity::default();
        assert_eq!(
            DeviceEvent::Create { identity: &ok, report_descriptor: &[] }.encode(),
            Err(EncodeError::EmptyDescriptor)
        );
    }

    #[test]
    fn output_is_decoded_with_its_size_and_type() -> Result<(), EventError> {
        let mut bytes = vec![0u8; EVENT_SIZE];
        bytes[..4].copy_from_slice(&6u32.to_ne_bytes());
        bytes[4..4 + 65].copy_from_slice(&[0x5a; 65]);
        bytes[4 + DATA_MAX..4 + DATA_MAX + 2].copy_from_slice(&65u16.to_ne_bytes());
        bytes[4 + DATA_MAX + 2] = 1;
        assert_eq!(
            KernelEvent::decode(&bytes)?,
            KernelEvent::Output { data: vec![0x5a; 65], report_type: ReportType::Output }
        );
        bytes[4 + DATA_MAX..4 + DATA_MAX + 2].copy_from_slice(&5000u16.to_ne_bytes());
        assert!(matches!(KernelEvent::decode(&bytes), Err(EventError::SizeTooLarge { size: 5000, .. })));
        Ok(())
    }

    #[test]
    fn requests_that_need_a_reply_are_decoded() -> Result<(), EventError> {
        let mut bytes = vec![0u8; 12];
        bytes[..4].copy_from_slice(&9u32.to_ne_bytes());
        bytes[4..8].copy_from_slice(&77u32.to_ne_bytes());
        bytes[8] = 3;
        bytes[9] = 0;
        assert_eq!(
            KernelEvent::decode(&bytes)?,
            KernelEvent::GetReport { id: 77, report_number: 3, report_type: ReportType::Feature }
        );
        bytes[..4].copy_from_slice(&13u32.to_ne_bytes());
        assert!(matches!(KernelEvent::decode(&bytes)?, KernelEvent::SetReport { id: 77, .. }));
        Ok(())
    }

    #[test]
    fn hostile_events_never_panic() {
        // Deterministic xorshift: every length 0..=EVENT_SIZE is not needed, a spread is.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..2000 {
            let len = usize::try_from(next() % (EVENT_SIZE as u64 + 8)).unwrap_or(0);
            let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if let Some(kind) = bytes.get_mut(..4) {
                // Bias towards the types that carry fields.
                let types = [6u32, 9, 13, 2, 3, 99];
                kind.copy_from_slice(&types[round % types.len()].to_ne_bytes());
            }
            let _ = KernelEvent::decode(&bytes);
        }
    }
}
