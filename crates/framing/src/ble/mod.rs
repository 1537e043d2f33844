//! FIDO over Bluetooth Low Energy (CTAP 2.1 §11.4).
//!
//! * [`frame`]: commands, error codes, fragmentation, reassembly, control
//!   point length, service revision bitfield and the GATT UUIDs;
//! * [`host`]: the central (client) side;
//! * [`device`]: the peripheral (authenticator) side.

pub mod device;
pub mod frame;
pub mod host;

pub use device::{BleDevice, BleDeviceConfig, BleDeviceError, BleDeviceEvent, BleTransactionId};
pub use frame::{
    fragment_message, BleCommand, BleErrorCode, BleMessage, ControlPointLen, ControlPointLenError, MessageTooLong,
    Reassembler, ReassemblyError, ServiceRevisionError, ServiceRevisions, CONTROL_POINT_LENGTH_UUID,
    CONTROL_POINT_UUID, FIDO_SERVICE_UUID, FIDO_SERVICE_UUID16, SERVICE_REVISION_BITFIELD_UUID,
    SERVICE_REVISION_UUID, STATUS_UUID,
};
pub use host::{BleEvent, BleHost, BleHostError, MAX_NOTIFICATION_LEN};
