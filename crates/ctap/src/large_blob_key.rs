//! A credential's largeBlobKey as the authenticator sent it (CTAP 2.1 §12.3): the 32-byte key
//! that encrypts its entry in the large-blob array. It arrives in authenticatorMakeCredential
//! (0x05), authenticatorGetAssertion (0x07) and authenticatorCredentialManagement (0x0B)
//! responses. keydesk-ctap-crypto's `LargeBlobKey` is the checked 32-byte key made from it.

use crate::cbor::{FromCbor, Value};
use crate::DecodeError;
use zeroize::Zeroizing;

/// Key material: zeroized on drop, and Debug shows only its length. The length is checked only
/// when a large blob is read or written with it, so a wrong-sized key from a device is kept as
/// it came and refused there, with the reason.
#[derive(Clone, PartialEq, Eq)]
pub struct LargeBlobKeyBytes(Zeroizing<Vec<u8>>);

impl LargeBlobKeyBytes {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The key bytes (keep them secret).
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for LargeBlobKeyBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LargeBlobKey(<{} secret bytes>)", self.0.len())
    }
}

impl FromCbor for LargeBlobKeyBytes {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        Vec::<u8>::from_cbor(value, field).map(Self::new)
    }
}

impl From<&LargeBlobKeyBytes> for Value {
    fn from(key: &LargeBlobKeyBytes) -> Self {
        Value::Bytes(key.expose().to_vec())
    }
}
