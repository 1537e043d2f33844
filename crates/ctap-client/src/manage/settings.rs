//! Settings: authenticatorConfig (CTAP 2.1 §6.11): always-UV, minimum PIN length (with the
//! RP IDs allowed to read it), force PIN change, enterprise attestation.

use keydesk_ctap::commands::{
    ConfigParams, ConfigRequest, ConfigSubCommand, EmptyResponse, Permissions,
    SetMinPinLengthParams,
};
use keydesk_ctap::StatusCode;
use keydesk_transport::Device;
use serde::Serialize;

use crate::client::Client;
use crate::error::{Error, Feature};
use crate::interaction::{Interaction, Purpose};

/// The key's policy settings as getInfo reports them.
///
/// JSON: `{"configurable": true, "always_uv": false | null, "min_pin_length": 4,
/// "min_pin_length_settable": true, "max_rp_ids_for_min_pin_length": 2 | null,
/// "force_pin_change": false, "enterprise_attestation": false | null}`
/// (`null` = the key does not offer the setting).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// authenticatorConfig is offered (authnrCfg option).
    pub configurable: bool,
    /// alwaysUv option.
    pub always_uv: Option<bool>,
    /// minPINLength (default 4).
    pub min_pin_length: u32,
    /// setMinPINLength option.
    pub min_pin_length_settable: bool,
    /// maxRPIDsForSetMinPINLength.
    pub max_rp_ids_for_min_pin_length: Option<u32>,
    /// forcePINChange.
    pub force_pin_change: bool,
    /// ep option: enterprise attestation enabled (absent when unsupported).
    pub enterprise_attestation: Option<bool>,
}

/// The parameters of setMinPINLength.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MinPinLengthChange {
    /// The new minimum (may only grow; `None` keeps it).
    pub new_min_length: Option<u32>,
    /// RP IDs allowed to read the minimum through the minPinLength extension.
    pub rp_ids: Vec<String>,
    /// Demand a PIN change before the next use.
    pub force_change_pin: bool,
}

impl<D: Device> Client<D> {
    /// The current settings (no PIN needed).
    pub fn settings(&mut self) -> Result<Settings, Error> {
        let info = self.refresh_info_ctap2()?;
        Ok(Settings {
            configurable: info.option("authnrCfg") == Some(true),
            always_uv: info.option("alwaysUv"),
            min_pin_length: info.min_pin_length.unwrap_or(4),
            min_pin_length_settable: info.option("setMinPINLength") == Some(true),
            max_rp_ids_for_min_pin_length: info.max_rp_ids_for_set_min_pin_length,
            force_pin_change: info.force_pin_change == Some(true),
            enterprise_attestation: info.option("ep"),
        })
    }

    fn require_config(&mut self, feature_option: &str, feature: Feature) -> Result<(), Error> {
        let info = self.ctap2_info()?;
        if info.option("authnrCfg") != Some(true) {
            return Err(Error::Unsupported(Feature::Configuration));
        }
        if feature_option == "setMinPINLength" && info.option(feature_option) != Some(true) {
            return Err(Error::Unsupported(feature));
        }
        if info.option(feature_option).is_none() {
            return Err(Error::Unsupported(feature));
        }
        Ok(())
    }

    /// Sends one authenticatorConfig subcommand, authorized with an `acfg` token when the
    /// key is protected by a PIN or UV (§6.11: unprotected keys take it without one).
    fn config(&mut self, request: ConfigRequest, ui: &mut dyn Interaction) -> Result<(), Error> {
        let info = self.ctap2_info()?;
        let protected = info.option("clientPin") == Some(true) || info.option("uv") == Some(true);
        let outcome = if protected {
            self.with_token(
                Permissions::AUTHENTICATOR_CONFIGURATION,
                None,
                Purpose::ChangeSettings,
                ui,
                |client, token, ui| {
                    let mut request = request.clone();
                    request.pin_uv_auth_protocol = Some(token.protocol_number());
                    request.pin_uv_auth_param = Some(token.auth_param(&request.auth_message()));
                    client.send::<_, EmptyResponse>(&request, ui)
                },
            )
        } else {
            self.send::<_, EmptyResponse>(&request, ui)
        };
        outcome?;
        self.refresh_info()?;
        Ok(())
    }

    /// Turns always-UV on or off (toggleAlwaysUv, sent only when the state differs).
    pub fn set_always_uv(&mut self, on: bool, ui: &mut dyn Interaction) -> Result<(), Error> {
        self.require_config("alwaysUv", Feature::AlwaysUv)?;
        if self.refresh_info_ctap2()?.option("alwaysUv") == Some(on) {
            return Ok(());
        }
        self.config(ConfigRequest::new(ConfigSubCommand::ToggleAlwaysUv), ui)
    }

    /// setMinPINLength: raise the minimum PIN length, set the RP IDs that may read it, and/or
    /// force a PIN change. The minimum can only grow (§6.11.4); a lower value is refused here.
    pub fn set_min_pin_length(
        &mut self,
        change: &MinPinLengthChange,
        ui: &mut dyn Interaction,
    ) -> Result<(), Error> {
        self.require_config("setMinPINLength", Feature::MinPinLength)?;
        let info = self.ctap2_info()?;
        let current = info.min_pin_length.unwrap_or(4);
        if let Some(new) = change.new_min_length {
            if new < current {
                return Err(Error::InvalidInput(format!(
                    "The minimum PIN length can only grow: it is {current}, so {new} is not allowed (a reset restores the default)"
                )));
            }
        }
        if let Some(max) = info.max_rp_ids_for_set_min_pin_length {
            if change.rp_ids.len() > usize::try_from(max).unwrap_or(usize::MAX) {
                return Err(Error::InvalidInput(format!(
                    "This key accepts at most {max} RP IDs for the minimum PIN length"
                )));
            }
        }
        let mut request = ConfigRequest::new(ConfigSubCommand::SetMinPinLength);
        request.sub_command_params = Some(ConfigParams::SetMinPinLength(SetMinPinLengthParams {
            new_min_pin_length: change.new_min_length,
            min_pin_length_rp_ids: (!change.rp_ids.is_empty()).then(|| change.rp_ids.clone()),
            force_change_pin: change.force_change_pin.then_some(true),
        }));
        match self.config(request, ui) {
            Err(Error::Ctap(StatusCode::PinPolicyViolation)) => Err(Error::InvalidInput(
                "The key refused the new minimum PIN length (it may not lower it)".to_owned(),
            )),
            other => other,
        }
    }

    /// Demands a PIN change before the key's next PIN use (setMinPINLength with
    /// forceChangePin).
    pub fn force_pin_change(&mut self, ui: &mut dyn Interaction) -> Result<(), Error> {
        if self.option("clientPin")? != Some(true) {
            return Err(Error::PinNotSet);
        }
        self.set_min_pin_length(
            &MinPinLengthChange {
                force_change_pin: true,
                ..Default::default()
            },
            ui,
        )
    }

    /// Enables enterprise attestation (enableEnterpriseAttestation).
    pub fn enable_enterprise_attestation(&mut self, ui: &mut dyn Interaction) -> Result<(), Error> {
        self.require_config("ep", Feature::EnterpriseAttestation)?;
        self.config(
            ConfigRequest::new(ConfigSubCommand::EnableEnterpriseAttestation),
            ui,
        )
    }
}
