//! pinUvAuthToken permissions (CTAP 2.1 §6.5.5.7; CTAP 2.2 adds pcmr): the `permissions`
//! member (0x09) of authenticatorClientPIN, and the one type every crate uses for them (the
//! PIN/UV token state of `keydesk-ctap-crypto` re-exports it).

use std::ops::{BitAnd, BitOr, BitOrAssign};

use crate::cbor::{FromCbor, Value};
use crate::error::DecodeError;

/// The `permissions` bit set of getPinUvAuthTokenUsing...WithPermissions (§6.5.5.7), as sent
/// on the wire: one byte (the decoder refuses a larger integer).
///
/// Bit 0x80 is defined by no CTAP version; it is kept as received so the authenticator can
/// refuse it ([`Permissions::unknown_bits`]).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Permissions(pub u8);

/// Every bit a CTAP version defines (0x01..=0x40).
const KNOWN: u8 = 0x7f;

impl Permissions {
    /// `mc` (0x01): authenticatorMakeCredential.
    pub const MAKE_CREDENTIAL: Self = Self(0x01);
    /// `ga` (0x02): authenticatorGetAssertion.
    pub const GET_ASSERTION: Self = Self(0x02);
    /// `cm` (0x04): authenticatorCredentialManagement.
    pub const CREDENTIAL_MANAGEMENT: Self = Self(0x04);
    /// `be` (0x08): authenticatorBioEnrollment.
    pub const BIO_ENROLLMENT: Self = Self(0x08);
    /// `lbw` (0x10): authenticatorLargeBlobs writes.
    pub const LARGE_BLOB_WRITE: Self = Self(0x10);
    /// `acfg` (0x20): authenticatorConfig.
    pub const AUTHENTICATOR_CONFIGURATION: Self = Self(0x20);
    /// `pcmr` (0x40, CTAP 2.2): persistent credential management, read only.
    pub const PERSISTENT_CREDENTIAL_MANAGEMENT_READ_ONLY: Self = Self(0x40);

    const NAMED: [(Self, &'static str); 7] = [
        (Self::MAKE_CREDENTIAL, "mc"),
        (Self::GET_ASSERTION, "ga"),
        (Self::CREDENTIAL_MANAGEMENT, "cm"),
        (Self::BIO_ENROLLMENT, "be"),
        (Self::LARGE_BLOB_WRITE, "lbw"),
        (Self::AUTHENTICATOR_CONFIGURATION, "acfg"),
        (Self::PERSISTENT_CREDENTIAL_MANAGEMENT_READ_ONLY, "pcmr"),
    ];

    /// No permission.
    pub const fn empty() -> Self {
        Self(0)
    }

    /// The permissions in `bits`. Every defined bit is kept; any bit above them (0x80 and
    /// beyond, which no CTAP version defines) is recorded as the unknown bit 0x80, so
    /// [`Permissions::unknown_bits`] still reports it.
    pub const fn from_bits(bits: u32) -> Self {
        let known = (bits & KNOWN as u32) as u8;
        if bits & !(KNOWN as u32) != 0 {
            Self(known | !KNOWN)
        } else {
            Self(known)
        }
    }

    /// The bits, as sent on the wire.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every bit of `other` is set here.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any bit of `other` is set here.
    pub const fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }

    /// Bits set here that no CTAP version defines (0 when there are none).
    pub const fn unknown_bits(self) -> u32 {
        (self.0 & !KNOWN) as u32
    }

    /// `mc` and `ga` are scoped to one RP: the platform sends an rpId with them (§6.5.5.7).
    pub const fn requires_rp_id(self) -> bool {
        self.intersects(Self(Self::MAKE_CREDENTIAL.0 | Self::GET_ASSERTION.0))
    }

    /// These permissions without `other`'s bits.
    pub const fn without(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }
}

impl BitOr for Permissions {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitOrAssign for Permissions {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for Permissions {
    type Output = Self;
    fn bitand(self, rhs: Self) -> Self {
        Self(self.0 & rhs.0)
    }
}

impl std::fmt::Debug for Permissions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<String> = Self::NAMED
            .iter()
            .filter(|(flag, _)| self.contains(*flag))
            .map(|(_, name)| (*name).to_owned())
            .collect();
        if self.unknown_bits() != 0 {
            names.push(format!("{:#x}", self.unknown_bits()));
        }
        write!(f, "Permissions({})", names.join(" | "))
    }
}

impl FromCbor for Permissions {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        u8::from_cbor(value, field).map(Permissions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_values_match_ctap_2_1_and_2_2() {
        assert_eq!(Permissions::MAKE_CREDENTIAL.bits(), 0x01);
        assert_eq!(Permissions::GET_ASSERTION.bits(), 0x02);
        assert_eq!(Permissions::CREDENTIAL_MANAGEMENT.bits(), 0x04);
        assert_eq!(Permissions::BIO_ENROLLMENT.bits(), 0x08);
        assert_eq!(Permissions::LARGE_BLOB_WRITE.bits(), 0x10);
        assert_eq!(Permissions::AUTHENTICATOR_CONFIGURATION.bits(), 0x20);
        assert_eq!(Permissions::PERSISTENT_CREDENTIAL_MANAGEMENT_READ_ONLY.bits(), 0x40);
    }

    #[test]
    fn set_operations_and_debug() {
        let p = Permissions::MAKE_CREDENTIAL | Permissions::LARGE_BLOB_WRITE;
        assert!(p.contains(Permissions::MAKE_CREDENTIAL));
        assert!(!p.contains(Permissions::GET_ASSERTION));
        assert!(p.requires_rp_id());
        assert!(!Permissions::LARGE_BLOB_WRITE.requires_rp_id());
        assert_eq!(p.without(Permissions::MAKE_CREDENTIAL), Permissions::LARGE_BLOB_WRITE);
        assert_eq!(p & Permissions::LARGE_BLOB_WRITE, Permissions::LARGE_BLOB_WRITE);
        assert_eq!(format!("{p:?}"), "Permissions(mc | lbw)");
        assert!(Permissions::empty().is_empty());
    }

    #[test]
    fn bits_no_ctap_version_defines_stay_visible() {
        assert_eq!(Permissions(0x82).unknown_bits(), 0x80);
        assert_eq!(format!("{:?}", Permissions(0x82)), "Permissions(ga | 0x80)");
        // Beyond a byte: the defined bits are kept, the rest is still reported as unknown.
        let wide = Permissions::from_bits(0x102);
        assert!(wide.contains(Permissions::GET_ASSERTION));
        assert_ne!(wide.unknown_bits(), 0);
        assert_eq!(Permissions::from_bits(0x7f).unknown_bits(), 0);
        assert_eq!(Permissions::from_bits(0x7f).bits(), 0x7f);
    }

    #[test]
    fn decodes_one_byte_and_refuses_more() {
        assert_eq!(Permissions::from_cbor(&Value::Unsigned(0x24), "p"), Ok(Permissions(0x24)));
        assert!(Permissions::from_cbor(&Value::Unsigned(0x100), "p").is_err());
    }
}
