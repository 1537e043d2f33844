//! The `options` member of makeCredential (CTAP 2.1 §6.1, member 0x07) and getAssertion
//! (§6.2, member 0x05): a map of option IDs to booleans. Unknown option IDs are ignored.

use crate::cbor::{Fields, FromCbor, MapBuilder, ToCbor, Value};
use crate::error::DecodeError;

/// Request options `rk`, `up`, `uv`; `None` means "not sent" (the spec defaults apply).
///
/// `rk` is only valid in makeCredential; it is kept for getAssertion too so an
/// authenticator can answer CTAP2_ERR_UNSUPPORTED_OPTION as §6.2.2 requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestOptions {
    /// Resident (discoverable) credential.
    pub rk: Option<bool>,
    /// User presence.
    pub up: Option<bool>,
    /// User verification (deprecated in favour of pinUvAuthParam, still sent by some).
    pub uv: Option<bool>,
}

impl RequestOptions {
    /// Whether no option is set (then the member is omitted).
    pub fn is_empty(&self) -> bool {
        self.rk.is_none() && self.up.is_none() && self.uv.is_none()
    }
}

impl ToCbor for RequestOptions {
    fn to_cbor(&self) -> Value {
        MapBuilder::new()
            .insert_opt("rk", self.rk)
            .insert_opt("up", self.up)
            .insert_opt("uv", self.uv)
            .build()
    }
}

impl FromCbor for RequestOptions {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, field)?;
        Ok(Self {
            rk: f.optional("rk", "options.rk")?,
            up: f.optional("up", "options.up")?,
            uv: f.optional("uv", "options.uv")?,
        })
    }
}
