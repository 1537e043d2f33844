//! Guided reset: authenticatorReset (CTAP 2.1 §6.6). Keys accept it only within seconds of
//! power-up (10 s is typical) and after a touch, so the service exposes the steps: the front
//! end confirms twice, tells the user to replug or re-tap ([`ResetGuide`]), waits for the key
//! to come back (the discovery layer reports it), opens a fresh client and calls
//! [`Client::reset`] at once; the touch request arrives as [`Interaction::touch_needed`].

use keydesk_ctap::commands::{EmptyResponse, ResetRequest};
use keydesk_ctap::StatusCode;
use keydesk_transport::{Device, TransportKind};
use serde::Serialize;

use crate::client::Client;
use crate::error::Error;
use crate::interaction::Interaction;

/// What the user must do for a reset, in order.
///
/// JSON: `{"transport": "usb", "steps": ["Remove the key ...", ...], "long_touch": false,
/// "window_seconds": 10, "warning": "Resetting deletes ..."}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResetGuide {
    /// The transport the key is on (WebAuthn transport name).
    pub transport: &'static str,
    /// The steps to show, in order.
    pub steps: Vec<String>,
    /// The key wants a long touch (CTAP 2.2 longTouchForReset).
    pub long_touch: bool,
    /// Seconds after power-up the key typically accepts a reset.
    pub window_seconds: u32,
    /// The warning to confirm (twice) before starting.
    pub warning: &'static str,
}

/// The warning a front end shows and has confirmed twice before a reset.
pub const RESET_WARNING: &str = "Resetting deletes every passkey on this key, its PIN, its fingerprints and its settings. Accounts that use these passkeys can no longer be signed in to with this key.";

impl<D: Device> Client<D> {
    /// The steps of a reset for this key and transport.
    pub fn reset_guide(&mut self) -> Result<ResetGuide, Error> {
        let info = self.ctap2_info()?;
        let long_touch = info.long_touch_for_reset == Some(true);
        let transport = self.descriptor().transport;
        let replug = match transport {
            TransportKind::Usb => "Remove the key from the USB port and plug it back in.",
            TransportKind::Nfc => "Lift the key off the reader and place it back on it.",
            TransportKind::Ble => "Turn the key off and on again.",
            TransportKind::Internal => "Restart the authenticator.",
        };
        let touch = if long_touch {
            "When it blinks, touch and hold the key for several seconds."
        } else {
            "When it blinks, touch the key."
        };
        Ok(ResetGuide {
            transport: transport.webauthn_name(),
            steps: vec![
                replug.to_owned(),
                "Within 10 seconds, confirm the reset here.".to_owned(),
                touch.to_owned(),
            ],
            long_touch,
            window_seconds: 10,
            warning: RESET_WARNING,
        })
    }

    /// authenticatorReset: call right after the key was powered up again. The key asks for a
    /// touch (reported through `ui`). Errors say whether the window was missed
    /// ([`Error::ResetOutsideWindow`]), the touch refused or timed out.
    pub fn reset(&mut self, ui: &mut dyn Interaction) -> Result<(), Error> {
        let allowed_transports = self.ctap2_info()?.transports_for_reset.clone();
        if let Some(allowed) = &allowed_transports {
            let here = self.descriptor().transport.webauthn_name();
            if !allowed.iter().any(|t| t == here) {
                return Err(Error::InvalidInput(format!(
                    "This key can be reset only over {}; connect it that way and try again",
                    allowed.join(" or ")
                )));
            }
        }
        match self.send::<_, EmptyResponse>(&ResetRequest, ui) {
            Err(Error::Ctap(StatusCode::NotAllowed)) => return Err(Error::ResetOutsideWindow),
            other => other?,
        };
        self.forget_token();
        self.refresh_info()?;
        Ok(())
    }
}
