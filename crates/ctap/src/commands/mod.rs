//! One module per CTAP 2.1 command (§6), each with its request and response types.

mod get_assertion;
mod get_info;
mod make_credential;
mod options;

pub use get_assertion::{GetAssertionRequest, GetAssertionResponse};
pub use get_info::{versions, GetInfoRequest, GetInfoResponse};
pub use make_credential::{MakeCredentialRequest, MakeCredentialResponse};
pub use options::RequestOptions;
