//! authenticatorReset (CTAP 2.1 §6.6) and authenticatorSelection (§6.9).

use keydesk_ctap::commands::{EmptyResponse, ResetRequest, SelectionRequest};
use keydesk_ctap::message::{CommandRequest as _, CommandResponse as _};
use keydesk_ctap::StatusCode;
use keydesk_ctap_crypto::{KeyAgreementKeyPair, TokenState};

use crate::authenticator::{Authenticator, CommandResult};
use crate::state::PersistentState;

impl Authenticator {
    /// Reset: only within the reset window after power-up (CTAP2_ERR_NOT_ALLOWED after it),
    /// and only with user presence. Everything but the attestation material is forgotten.
    pub(crate) fn reset(&mut self, message: &[u8]) -> CommandResult {
        ResetRequest::decode(message)?;
        if self.now.saturating_sub(self.session.powered_up_at) > self.config.reset_window {
            return Err(StatusCode::NotAllowed.into());
        }
        self.collect_presence()?;
        let attestation = self.state.attestation.take();
        self.state = PersistentState::new(&mut self.rng);
        self.state.attestation = attestation;
        self.cipher = crate::credential_id::CredentialIdCipher::new(&self.state.master_secret);
        self.session.key_agreement = KeyAgreementKeyPair::generate(&mut self.rng);
        self.session.token = TokenState::new(&mut self.rng, self.config.token_limits);
        self.session.assertions = None;
        self.session.enumeration = None;
        self.mark_dirty();
        Ok(EmptyResponse.encode())
    }

    /// Selection: the user touches the key they mean.
    pub(crate) fn selection(&mut self, message: &[u8]) -> CommandResult {
        SelectionRequest::decode(message)?;
        self.collect_presence()?;
        Ok(EmptyResponse.encode())
    }
}
