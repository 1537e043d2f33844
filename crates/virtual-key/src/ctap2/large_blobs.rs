//! authenticatorLargeBlobs (CTAP 2.1 §6.10).

use keydesk_ctap::commands::{LargeBlobsRequest, LargeBlobsResponse};
use keydesk_ctap::message::{CommandRequest as _, CommandResponse as _};
use keydesk_ctap::StatusCode;
use keydesk_ctap_crypto::{Permissions, RpIdRule};

use crate::authenticator::{Authenticator, CommandResult};
use crate::large_blob::{WriteError, WriteProgress};

fn write_status(error: WriteError) -> StatusCode {
    match error {
        WriteError::TooLarge => StatusCode::LargeBlobStorageFull,
        WriteError::InvalidLength | WriteError::Overflow => StatusCode::InvalidParameter,
        WriteError::WrongOffset => StatusCode::InvalidSeq,
        WriteError::IntegrityFailure => StatusCode::IntegrityFailure,
    }
}

impl Authenticator {
    /// maxFragmentLength: maxMsgSize minus 64 (§6.10.1).
    fn max_fragment_length(&self) -> usize {
        usize::try_from(self.config.max_msg_size).unwrap_or(usize::MAX).saturating_sub(64)
    }

    pub(crate) fn large_blobs(&mut self, message: &[u8]) -> CommandResult {
        let request = LargeBlobsRequest::decode(message)?;
        let offset = usize::try_from(request.offset).map_err(|_| StatusCode::InvalidParameter)?;
        match (request.get, &request.set) {
            (Some(count), None) => {
                // §6.10.2 get: length must be absent, count at most maxFragmentLength.
                if request.length.is_some() {
                    return Err(StatusCode::InvalidParameter.into());
                }
                let count = usize::try_from(count).map_err(|_| StatusCode::InvalidLength)?;
                if count > self.max_fragment_length() {
                    return Err(StatusCode::InvalidLength.into());
                }
                if offset > self.state.large_blobs.array().len() {
                    return Err(StatusCode::InvalidParameter.into());
                }
                let fragment = self.state.large_blobs.read(offset, count).to_vec();
                Ok(LargeBlobsResponse { config: Some(fragment) }.encode())
            }
            (None, Some(fragment)) => {
                if fragment.len() > self.max_fragment_length() {
                    return Err(StatusCode::InvalidLength.into());
                }
                // A protected key needs a token with the lbw permission for every fragment.
                if self.state.pin.is_set() || self.built_in_uv_configured() || self.state.always_uv {
                    let param = request.pin_uv_auth_param.as_deref().ok_or(StatusCode::PuatRequired)?;
                    let protocol = self.pin_uv_protocol(request.pin_uv_auth_protocol)?;
                    let auth_message = request.auth_message().ok_or(StatusCode::InvalidParameter)?;
                    self.authorize_token(protocol, &auth_message, param, Permissions::LARGE_BLOB_WRITE, RpIdRule::Ignore)?;
                }
                let length = request.length.map(|l| usize::try_from(l).unwrap_or(usize::MAX));
                let progress = self.state.large_blobs.write(offset, length, fragment).map_err(write_status)?;
                if progress == WriteProgress::Committed {
                    self.mark_dirty();
                }
                Ok(LargeBlobsResponse::default().encode())
            }
            _ => Err(StatusCode::InvalidParameter.into()),
        }
    }
}
