//! A pinUvAuthToken as the platform holds it (CTAP 2.1 §6.5.2): the token, the protocol it
//! was obtained with, and the permissions and RP ID it was granted for.

use keydesk_ctap::commands::Permissions;
use keydesk_ctap_crypto::{PinUvAuthProtocol, PinUvAuthToken};

use crate::error::Error;

/// A pinUvAuthToken with its protocol, permissions and permissions RP ID.
/// Debug redacts the token.
#[derive(Debug, Clone)]
pub struct PinUvToken {
    protocol: PinUvAuthProtocol,
    token: PinUvAuthToken,
    permissions: Permissions,
    rp_id: Option<String>,
    /// From getPinToken (CTAP 2.0): no permissions or RP binding; the key decides.
    legacy: bool,
}

impl PinUvToken {
    pub(crate) fn new(
        protocol: PinUvAuthProtocol,
        token: PinUvAuthToken,
        permissions: Permissions,
        rp_id: Option<String>,
    ) -> Self {
        Self {
            protocol,
            token,
            permissions,
            rp_id,
            legacy: false,
        }
    }

    /// A getPinToken token (CTAP 2.1 §6.5.5.6): a CTAP 2.0 key grants what 2.0 allowed
    /// (makeCredential, getAssertion and the FIDO_2_1_PRE management commands).
    pub(crate) fn legacy(protocol: PinUvAuthProtocol, token: PinUvAuthToken) -> Self {
        Self {
            protocol,
            token,
            permissions: Permissions(0x3f),
            rp_id: None,
            legacy: true,
        }
    }

    /// The protocol the token belongs to.
    pub fn protocol(&self) -> PinUvAuthProtocol {
        self.protocol
    }

    /// The protocol number as sent in `pinUvAuthProtocol` members.
    pub fn protocol_number(&self) -> u32 {
        u32::from(self.protocol.number())
    }

    /// The permissions asked for when the token was obtained (a legacy getPinToken token is
    /// recorded with mc and ga, CTAP 2.1 §6.5.5.6).
    pub fn permissions(&self) -> Permissions {
        self.permissions
    }

    /// The permissions RP ID the token is bound to.
    pub fn rp_id(&self) -> Option<&str> {
        self.rp_id.as_deref()
    }

    /// `authenticate(pinUvAuthToken, message)`: the pinUvAuthParam of a command.
    pub fn auth_param(&self, message: &[u8]) -> Vec<u8> {
        self.token.authenticate(self.protocol, message)
    }

    /// Whether this token may be used for `permissions` scoped to `rp_id`.
    pub(crate) fn covers(&self, permissions: Permissions, rp_id: Option<&str>) -> bool {
        let rp_ok = match (&self.rp_id, rp_id) {
            (None, _) => self.legacy || !permissions.requires_rp_id(),
            (Some(bound), Some(wanted)) => bound == wanted,
            (Some(_), None) => false,
        };
        self.permissions.contains(permissions) && rp_ok
    }
}

/// The CTAP 2.2 persistent read-only credential-management token (permission `pcmr`), as
/// bytes the caller may store (e.g. in the OS keyring) and hand back later so that passkeys
/// can be listed without the PIN. Zeroized on drop; Debug redacts it.
#[derive(Clone)]
pub struct PersistentToken {
    bytes: zeroize::Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for PersistentToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersistentToken(redacted)")
    }
}

impl PersistentToken {
    pub(crate) fn from_token(token: &PinUvToken) -> Self {
        let mut bytes = zeroize::Zeroizing::new(vec![token.protocol.number()]);
        bytes.extend_from_slice(token.token.as_bytes());
        Self { bytes }
    }

    /// The bytes to store: the protocol number, then the token.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<Vec<u8>> {
        self.bytes.clone()
    }

    /// A token stored earlier with [`PersistentToken::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let token = Self {
            bytes: zeroize::Zeroizing::new(bytes.to_vec()),
        };
        token.token()?;
        Ok(token)
    }

    pub(crate) fn token(&self) -> Result<PinUvToken, Error> {
        let invalid = || Error::InvalidInput("the stored persistent token is not valid".to_owned());
        let (&number, token) = self.bytes.split_first().ok_or_else(invalid)?;
        let protocol = PinUvAuthProtocol::from_number(u64::from(number)).map_err(|_| invalid())?;
        let token = PinUvAuthToken::from_bytes(protocol, token).map_err(|_| invalid())?;
        Ok(PinUvToken::new(
            protocol,
            token,
            Permissions::PERSISTENT_CREDENTIAL_MANAGEMENT_READ_ONLY,
            None,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(permissions: Permissions, rp_id: Option<&str>) -> PinUvToken {
        let raw = PinUvAuthToken::from_bytes(PinUvAuthProtocol::Two, &[7; 32]);
        PinUvToken::new(
            PinUvAuthProtocol::Two,
            raw.unwrap_or_else(|e| panic!("{e}")),
            permissions,
            rp_id.map(str::to_owned),
        )
    }

    #[test]
    fn coverage_follows_permissions_and_rp_binding() {
        let cm = token(Permissions::CREDENTIAL_MANAGEMENT, None);
        assert!(cm.covers(Permissions::CREDENTIAL_MANAGEMENT, None));
        assert!(!cm.covers(Permissions::BIO_ENROLLMENT, None));
        assert!(!cm.covers(Permissions::GET_ASSERTION, Some("example.com")));
        let ga = token(Permissions::GET_ASSERTION, Some("example.com"));
        assert!(ga.covers(Permissions::GET_ASSERTION, Some("example.com")));
        assert!(!ga.covers(Permissions::GET_ASSERTION, Some("other.example")));
    }

    #[test]
    fn persistent_token_round_trips_and_redacts() {
        let t = token(Permissions::PERSISTENT_CREDENTIAL_MANAGEMENT_READ_ONLY, None);
        let stored = PersistentToken::from_token(&t).to_bytes();
        assert_eq!(stored.first(), Some(&2));
        let back = PersistentToken::from_bytes(&stored).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format!("{back:?}"), "PersistentToken(redacted)");
        assert!(PersistentToken::from_bytes(&[3, 1, 2]).is_err());
        assert!(PersistentToken::from_bytes(&[]).is_err());
    }
}
