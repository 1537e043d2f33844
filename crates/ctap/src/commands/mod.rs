//! One module per CTAP 2.1 command (§6), each with its request and response types.

mod bio_enrollment;
mod client_pin;
mod config;
mod credential_management;
mod get_assertion;
mod get_info;
mod large_blobs;
mod make_credential;
mod no_params;
mod options;
mod permissions;

pub use bio_enrollment::{
    BioEnrollmentParams, BioEnrollmentRequest, BioEnrollmentResponse, BioEnrollmentSubCommand,
    EnrollSampleStatus, TemplateInfo, FINGERPRINT_KIND_SWIPE, FINGERPRINT_KIND_TOUCH,
    MODALITY_FINGERPRINT,
};
pub use client_pin::{
    change_pin_auth_message, set_pin_auth_message, ClientPinRequest, ClientPinResponse,
    ClientPinSubCommand,
};
pub use permissions::Permissions;
pub use config::{ConfigParams, ConfigRequest, ConfigSubCommand, SetMinPinLengthParams};
pub use credential_management::{
    auth_message as credential_management_auth_message, CredentialManagementParams,
    CredentialManagementRequest, CredentialManagementResponse, CredentialManagementSubCommand,
};
pub use get_assertion::{GetAssertionRequest, GetAssertionResponse};
pub use get_info::{versions, GetInfoRequest, GetInfoResponse};
pub use large_blobs::{
    parse_large_blob_array, serialize_large_blob_array, set_auth_message as large_blob_set_auth_message,
    LargeBlobArrayError, LargeBlobEntry, LargeBlobsRequest, LargeBlobsResponse,
};
pub use make_credential::{MakeCredentialRequest, MakeCredentialResponse};
pub use no_params::{EmptyResponse, GetNextAssertionRequest, ResetRequest, SelectionRequest};
pub use options::RequestOptions;
