//! What kind of authenticator the virtual key pretends to be.

use std::time::Duration;

use keydesk_ctap_crypto::TokenTimeLimits;

/// How the key answers requests for user presence (a touch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresencePolicy {
    /// Every request for presence is granted at once.
    ApproveAll,
    /// Every request for presence is refused at once (CTAP2_ERR_OPERATION_DENIED).
    DenyAll,
    /// The request waits until the owner calls `touch`, `deny` or `cancel`, or times out.
    WaitForTouch,
}

/// Which attestation makeCredential returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttestationMode {
    /// `packed` with the batch certificate issued by the key's test CA.
    Batch,
    /// `packed` self attestation: signed by the credential key, no certificate.
    SelfAttestation,
    /// `none`.
    None,
}

/// Settings fixed for the lifetime of a virtual key (not part of its persisted state).
#[derive(Debug, Clone)]
pub struct Config {
    /// The model's AAGUID.
    pub aaguid: [u8; 16],
    /// How many discoverable credentials fit (remainingDiscoverableCredentials starts here).
    pub resident_capacity: usize,
    pub attestation: AttestationMode,
    pub presence: PresencePolicy,
    /// Whether the key has a (simulated) fingerprint sensor.
    pub fingerprint_sensor: bool,
    /// Transports reported in getInfo ("usb", "nfc", "ble", "internal").
    pub transports: Vec<String>,
    /// maxMsgSize reported in getInfo.
    pub max_msg_size: u32,
    /// How long a request waits for a touch before CTAP2_ERR_USER_ACTION_TIMEOUT.
    pub user_presence_timeout: Duration,
    /// authenticatorReset is accepted only this long after power-up (CTAP 2.1 §6.6).
    pub reset_window: Duration,
    pub token_limits: TokenTimeLimits,
    /// Whether enterprise attestation is supported at all (the "ep" option).
    pub enterprise_attestation_capable: bool,
    /// RP IDs for vendor-facilitated enterprise attestation (enterpriseAttestation = 1).
    pub enterprise_rp_ids: Vec<String>,
    /// Whether to advertise and serve CTAP1/U2F.
    pub u2f: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            aaguid: *b"KeyDeskVirtual01",
            resident_capacity: 25,
            attestation: AttestationMode::Batch,
            presence: PresencePolicy::ApproveAll,
            fingerprint_sensor: true,
            transports: vec!["usb".into(), "nfc".into()],
            max_msg_size: 7609,
            user_presence_timeout: Duration::from_secs(30),
            reset_window: Duration::from_secs(10),
            token_limits: TokenTimeLimits::default(),
            enterprise_attestation_capable: true,
            enterprise_rp_ids: vec!["enterprise.example".into()],
            u2f: true,
        }
    }
}
