//! The platform's side of the PIN/UV auth protocols' key agreement (CTAP 2.1 §6.5.4, §6.5.6,
//! §6.5.7), as the spec defines it: one platform key-agreement key pair per series of
//! transactions with one authenticator, and `encapsulate(peerCoseKey)` =
//! (`getPublicKey()`, `ecdh(peerCoseKey)`).
//!
//! §6.5.4 has the platform run `initialize()` (which generates its key pair) "when starting a
//! series of transactions with a specific authenticator", and §6.5.6 `encapsulate` returns
//! that same `getPublicKey()` each time: the pair is not regenerated per request. A [`Client`]
//! is one such series, so it keeps one pair for its lifetime.
//!
//! The authenticator's key is never assumed: every shared secret is for the key that
//! getKeyAgreement returned just before (§6.5.5.4). Authenticators regenerate theirs at
//! power-up and after a PIN mismatch (§6.5.5.7.2), and a shared secret for an old key would
//! make the next PIN check fail and cost a PIN retry. Only when the key answers with the very
//! key of the last computation is that result reused: `ecdh` is a function of the two keys and
//! the protocol, so its value is the same, and the P-256 scalar multiplication is skipped.
//!
//! [`Client`]: crate::Client

use keydesk_ctap_crypto::{
    CryptoError, KeyAgreementKeyPair, KeyAgreementPublicKey, PinUvAuthProtocol, SharedSecret,
};
use rand_core::OsRng;

/// The platform's key-agreement key pair and the last shared secret computed with it.
/// Debug shows neither the secret scalar nor the shared secret.
#[derive(Debug)]
pub(crate) struct PlatformKeyAgreement {
    pair: KeyAgreementKeyPair,
    last: Option<LastAgreement>,
}

/// The shared secret of `protocol` with `authenticator_key`.
#[derive(Debug)]
struct LastAgreement {
    protocol: PinUvAuthProtocol,
    authenticator_key: KeyAgreementPublicKey,
    shared: SharedSecret,
}

impl PlatformKeyAgreement {
    /// `initialize()` (§6.5.4): a fresh random P-256 key pair.
    pub(crate) fn initialize() -> Self {
        Self {
            pair: KeyAgreementKeyPair::generate(&mut OsRng),
            last: None,
        }
    }

    /// `encapsulate(peerCoseKey)` (§6.5.6; §6.5.7 inherits it): the platform's public key to
    /// send as `keyAgreement`, and `ecdh(authenticator_key)` through the protocol's KDF.
    /// `ecdh` is the same computation on both sides of the protocol (the authenticator's
    /// `decapsulate` is `ecdh` too), which is why the pair's `decapsulate` computes it here.
    pub(crate) fn encapsulate(
        &mut self,
        protocol: PinUvAuthProtocol,
        authenticator_key: &KeyAgreementPublicKey,
    ) -> Result<(KeyAgreementPublicKey, SharedSecret), CryptoError> {
        let platform_key = self.pair.public_key();
        if let Some(last) = &self.last {
            if last.protocol == protocol && last.authenticator_key == *authenticator_key {
                return Ok((platform_key, last.shared.clone()));
            }
        }
        // Forget the old result first: an invalid key must not leave a stale one behind.
        self.last = None;
        let shared = self.pair.decapsulate(protocol, authenticator_key)?;
        self.last = Some(LastAgreement {
            protocol,
            authenticator_key: *authenticator_key,
            shared: shared.clone(),
        });
        Ok((platform_key, shared))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keydesk_ctap_crypto::PinUvAuthToken;

    fn authenticator_pair(seed: u8) -> Result<KeyAgreementKeyPair, CryptoError> {
        KeyAgreementKeyPair::from_secret_bytes(&[seed; 32])
    }

    /// What the authenticator derives from the platform key we send must match our secret:
    /// a token it encrypts decrypts on our side, for the same and for a changed key.
    fn agrees(
        platform: &mut PlatformKeyAgreement,
        protocol: PinUvAuthProtocol,
        authenticator: &KeyAgreementKeyPair,
    ) -> Result<KeyAgreementPublicKey, CryptoError> {
        let (platform_key, ours) = platform.encapsulate(protocol, &authenticator.public_key())?;
        let theirs = authenticator.decapsulate(protocol, &platform_key)?;
        let token = PinUvAuthToken::from_bytes(protocol, &[0x5a; 32])?;
        let encrypted = token.encrypt(&theirs, &mut OsRng)?;
        let decrypted = PinUvAuthToken::decrypt(&ours, &encrypted)?;
        assert_eq!(decrypted.as_bytes(), token.as_bytes());
        Ok(platform_key)
    }

    #[test]
    fn one_platform_key_per_series_and_a_fresh_secret_for_a_changed_authenticator_key(
    ) -> Result<(), CryptoError> {
        let mut platform = PlatformKeyAgreement::initialize();
        let first = authenticator_pair(1)?;
        let regenerated = authenticator_pair(2)?;
        for protocol in [PinUvAuthProtocol::One, PinUvAuthProtocol::Two] {
            let a = agrees(&mut platform, protocol, &first)?;
            let b = agrees(&mut platform, protocol, &first)?;
            // The authenticator regenerated its key (power-up, PIN mismatch).
            let c = agrees(&mut platform, protocol, &regenerated)?;
            let d = agrees(&mut platform, protocol, &first)?;
            assert!(
                a == b && b == c && c == d,
                "getPublicKey() is the one pair's key"
            );
        }
        Ok(())
    }

    #[test]
    fn an_invalid_authenticator_key_is_refused_and_forgets_the_last_secret() {
        let mut platform = PlatformKeyAgreement::initialize();
        let not_on_curve = KeyAgreementPublicKey {
            x: [1; 32],
            y: [2; 32],
        };
        assert!(platform
            .encapsulate(PinUvAuthProtocol::Two, &not_on_curve)
            .is_err());
        assert!(platform.last.is_none());
    }
}
