//! "Touch the key you want to use": authenticatorSelection (CTAP 2.1 §6.9) on CTAP 2.1 keys,
//! and the equivalents older keys understand: a makeCredential with an empty pinUvAuthParam
//! (§6.1.2 step 1, CTAP 2.0 keys wait for a touch and then answer PIN_INVALID or
//! PIN_AUTH_INVALID) and a U2F registration for a dummy application (U2F-only keys).

use keydesk_ctap::commands::{
    versions, EmptyResponse, MakeCredentialRequest, MakeCredentialResponse, SelectionRequest,
};
use keydesk_ctap::entities::{CredentialParameters, RpEntity, UserEntity};
use keydesk_ctap::StatusCode;
use keydesk_transport::Device;
use keydesk_u2f::{RegisterRequest, Request};

use crate::client::{Client, KeyInfo};
use crate::error::Error;
use crate::interaction::Interaction;

/// The dummy RP of a selection makeCredential; the key never stores anything for it.
const SELECTION_RP: &str = ".dummy";

impl<D: Device> Client<D> {
    /// Waits for the user to touch this key (used to pick one key among several; cancel the
    /// others through [`Interaction::cancel_requested`]). Returns once touched.
    pub fn wait_for_touch(&mut self, ui: &mut dyn Interaction) -> Result<(), Error> {
        if self.info()? == &KeyInfo::U2fOnly {
            let request = Request::Register(RegisterRequest {
                challenge: [0; 32],
                application: [0; 32],
            });
            return self.u2f_touch(&request, ui);
        }
        if self.ctap2_info()?.supports_version(versions::FIDO_2_1) {
            return self
                .send::<_, EmptyResponse>(&SelectionRequest, ui)
                .map(drop);
        }
        let mut request = MakeCredentialRequest::new(
            [0; 32],
            RpEntity::new(SELECTION_RP),
            UserEntity::new(vec![0]),
            vec![CredentialParameters::public_key(
                keydesk_ctap::cose::ALG_ES256,
            )],
        );
        request.pin_uv_auth_param = Some(Vec::new());
        request.pin_uv_auth_protocol = Some(1);
        match self.send::<_, MakeCredentialResponse>(&request, ui) {
            Ok(_) => Ok(()),
            Err(Error::Ctap(StatusCode::PinInvalid | StatusCode::PinAuthInvalid))
            | Err(Error::PinNotSet) => Ok(()),
            Err(other) => Err(other),
        }
    }
}
