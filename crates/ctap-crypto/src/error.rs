//! Errors of the PIN/UV auth protocol primitives.

/// What went wrong in a PIN/UV auth protocol operation (CTAP 2.1 §6.5.6, §6.5.7).
///
/// Each variant names what the peer (or caller) got wrong; the CTAP layer maps them to status
/// codes (most become `CTAP2_ERR_PIN_AUTH_INVALID` or `CTAP1_ERR_INVALID_PARAMETER`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The pinUvAuthProtocol number is neither 1 nor 2.
    #[error("unsupported PIN/UV auth protocol {0}")]
    UnsupportedProtocol(u64),
    /// The peer's key-agreement key is not a valid point on P-256.
    #[error("the peer's key-agreement key is not a point on P-256")]
    InvalidPeerPublicKey,
    /// A fixed key-agreement secret is zero or not below the P-256 group order.
    #[error("key-agreement secret is not a valid P-256 scalar")]
    InvalidSecretScalar,
    /// A plaintext given to `encrypt` is not a whole number of AES blocks (the protocols use no
    /// padding).
    #[error("plaintext of {len} bytes is not a multiple of the 16-byte AES block")]
    PlaintextNotBlockAligned {
        /// Length of the rejected plaintext.
        len: usize,
    },
    /// A ciphertext is not a whole number of AES blocks.
    #[error("ciphertext of {len} bytes is not a multiple of the 16-byte AES block")]
    CiphertextNotBlockAligned {
        /// Length of the rejected ciphertext (without the IV, for protocol 2).
        len: usize,
    },
    /// A protocol 2 ciphertext is shorter than its 16-byte IV.
    #[error("protocol 2 ciphertext of {len} bytes is shorter than its 16-byte IV")]
    CiphertextMissingIv {
        /// Length of the rejected ciphertext.
        len: usize,
    },
    /// A pinUvAuthParam (or saltAuth) has the wrong length for the protocol.
    #[error("authentication tag of {actual} bytes; protocol {protocol} uses {expected}")]
    WrongAuthParamLength {
        /// The protocol number (1 or 2).
        protocol: u8,
        /// The length the protocol uses (16 or 32).
        expected: usize,
        /// The length received.
        actual: usize,
    },
    /// A pinUvAuthParam (or saltAuth) does not authenticate the message.
    #[error("authentication tag does not match the message")]
    AuthParamMismatch,
    /// A key (pinUvAuthToken or shared secret bytes) has a length the protocol cannot use.
    #[error("key of {len} bytes is unusable with protocol {protocol}")]
    WrongKeyLength {
        /// The protocol number (1 or 2).
        protocol: u8,
        /// Length of the rejected key.
        len: usize,
    },
}
