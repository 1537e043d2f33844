#![no_main]
use keydesk_ctap_crypto::{hmac_secret, PinUvAuthProtocol, SharedSecret};

// saltEnc from a hostile platform (authenticated, so decryption is reached), and an
// encrypted output from a hostile authenticator.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(shared) = SharedSecret::from_bytes(PinUvAuthProtocol::Two, &[3; 64]) else { return };
    let salt_auth = shared.authenticate(data);
    let _ = hmac_secret::decrypt_salts(&shared, data, &salt_auth);
    let _ = hmac_secret::decrypt_output(&shared, data, 1 + data.len() % 2);
});
