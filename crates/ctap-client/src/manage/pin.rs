//! PIN status, set and change (CTAP 2.1 §6.5, getInfo §6.4).

use keydesk_transport::Device;
use serde::Serialize;

use crate::client::Client;
use crate::error::{Error, Feature};

/// The PIN and built-in UV state of a key.
///
/// JSON: `{"pin_supported": true, "pin_set": true, "pin_retries": 8,
/// "power_cycle_required": false, "uv_supported": true, "uv_retries": 3,
/// "force_pin_change": false, "min_pin_length": 4, "max_pin_length": null}`
/// (`pin_retries` is null when no PIN is set, `uv_retries` when the key has no built-in UV).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinStatus {
    /// The key supports a PIN (clientPin option present).
    pub pin_supported: bool,
    /// A PIN is set (clientPin option true).
    pub pin_set: bool,
    /// getPINRetries.
    pub pin_retries: Option<u32>,
    /// Three wrong PINs since power-up: the key must be removed and reinserted first.
    pub power_cycle_required: bool,
    /// The key has built-in UV (uv option present).
    pub uv_supported: bool,
    /// getUVRetries.
    pub uv_retries: Option<u32>,
    /// The key demands a PIN change before use (getInfo forcePINChange).
    pub force_pin_change: bool,
    /// Minimum PIN length in code points (getInfo minPINLength, default 4).
    pub min_pin_length: u32,
    /// Maximum PIN length in code points (CTAP 2.2 getInfo maxPINLength), when stated.
    pub max_pin_length: Option<u32>,
}

impl<D: Device> Client<D> {
    /// The PIN and UV state (no PIN needed).
    pub fn pin_status(&mut self) -> Result<PinStatus, Error> {
        let info = self.refresh_info_ctap2()?;
        let pin_option = info.option("clientPin");
        let uv_option = info.option("uv");
        let (force_pin_change, min_pin_length, max_pin_length) = (
            info.force_pin_change == Some(true),
            info.min_pin_length.unwrap_or(4),
            info.max_pin_length,
        );
        let (pin_retries, power_cycle_required) = if pin_option == Some(true) {
            let r = self.pin_retries()?;
            (Some(r.retries), r.power_cycle_required)
        } else {
            (None, false)
        };
        let uv_retries = match uv_option {
            Some(_) => self.uv_retries().ok(),
            None => None,
        };
        Ok(PinStatus {
            pin_supported: pin_option.is_some(),
            pin_set: pin_option == Some(true),
            pin_retries,
            power_cycle_required,
            uv_supported: uv_option.is_some(),
            uv_retries,
            force_pin_change,
            min_pin_length,
            max_pin_length,
        })
    }

    /// getInfo read afresh (state such as clientPin and forcePINChange changes), CTAP2 only.
    pub(crate) fn refresh_info_ctap2(
        &mut self,
    ) -> Result<keydesk_ctap::commands::GetInfoResponse, Error> {
        match self.refresh_info()? {
            crate::KeyInfo::Ctap2(info) => Ok((**info).clone()),
            crate::KeyInfo::U2fOnly => Err(Error::Unsupported(Feature::Ctap2)),
        }
    }
}
