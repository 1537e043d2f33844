//! The bytes a U2F authenticator signs (FIDO U2F Raw Message Formats v1.2 §4.3, §5.4).

/// Registration signature input: `0x00 || application || challenge || key handle || user
/// public key`.
pub fn register_signed_data(
    application: &[u8; 32],
    challenge: &[u8; 32],
    key_handle: &[u8],
    user_public_key: &[u8; 65],
) -> Vec<u8> {
    let mut data = Vec::with_capacity(1 + 32 + 32 + key_handle.len() + 65);
    data.push(0x00);
    data.extend_from_slice(application);
    data.extend_from_slice(challenge);
    data.extend_from_slice(key_handle);
    data.extend_from_slice(user_public_key);
    data
}

/// Authentication signature input: `application || user presence || counter (big-endian) ||
/// challenge`.
pub fn authenticate_signed_data(
    application: &[u8; 32],
    user_presence: u8,
    counter: u32,
    challenge: &[u8; 32],
) -> Vec<u8> {
    let mut data = Vec::with_capacity(32 + 1 + 4 + 32);
    data.extend_from_slice(application);
    data.push(user_presence);
    data.extend_from_slice(&counter.to_be_bytes());
    data.extend_from_slice(challenge);
    data
}
